from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="list"),
    path("articles/<int:pk>/", views.article_detail, name="detail"),
    path("themes/<str:slug>/", views.theme_detail, name="theme"),
    path("search/", views.search_results, name="search"),
]
