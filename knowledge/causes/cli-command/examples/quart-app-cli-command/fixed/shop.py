from quart import Quart, current_app

app = Quart(__name__)
app.config["SEARCH_INDEX"] = "products-v2"


@app.cli.command("reindex", with_appcontext=True)  # Quart pushes no app context by default
def reindex():
    # ctxfix: verify
    index = current_app.config["SEARCH_INDEX"]
    print(f"rebuilt search index {index}")
