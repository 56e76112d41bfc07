"""The review pages: the reviewer's workspace and the manager's review pages.

Each side keeps its own list in its views module, so that the two grow apart freely.
"""

from laureat.review import views_manager, views_reviewer

app_name = "review"

urlpatterns = [*views_reviewer.urlpatterns, *views_manager.urlpatterns]
