from quart import current_app


def rebuild_index(names):
    batch = current_app.config["INDEX_BATCH"]
    kept = [name for name in names if name]
    for start in range(0, len(kept), batch):
        print(f"indexing {', '.join(kept[start : start + batch])}")
    return len(kept), len(names) - len(kept)
