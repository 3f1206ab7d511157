from django.urls import path

from diagnosis.api.images import views

urlpatterns = [
    path("cases/<int:pk>/images/", views.CaseImagesView.as_view(), name="case-images"),
    path("images/<int:pk>/", views.ImageDetailView.as_view(), name="image-detail"),
    path("images/<int:pk>/file/", views.ImageFileView.as_view(), name="image-file"),
    path("images/<int:pk>/thumbnail/", views.ImageThumbnailView.as_view(), name="image-thumbnail"),
    path("images/<int:pk>/exclude/", views.ImageExcludeView.as_view(), name="image-exclude"),
]
