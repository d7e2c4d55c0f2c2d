from flask import Blueprint, request

from blog.pagination import paginate

bp = Blueprint("posts", __name__)

POSTS = ["Hello", "Contexts", "Blueprints", "Testing", "Deploying"]


@bp.route("/posts")
def list_posts():
    page = request.args.get("page", 1, type=int)
    return {"page": page, "posts": paginate(POSTS, page)}
