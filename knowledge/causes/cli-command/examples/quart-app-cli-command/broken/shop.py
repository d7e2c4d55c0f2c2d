from quart import Quart, current_app

app = Quart(__name__)
app.config["SEARCH_INDEX"] = "products-v2"


@app.cli.command("reindex")
def reindex():
    index = current_app.config["SEARCH_INDEX"]
    print(f"rebuilt search index {index}")
