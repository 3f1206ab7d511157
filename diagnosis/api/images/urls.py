from django.urls import path

from diagnosis.api.images import views

urlpatterns = [
    path("cases/<int:case_id>/images/", views.CaseImagesView.as_view(), name="case-images"),
    path("images/<int:image_id>/", views.ImageDetailView.as_view(), name="image-detail"),
    path("images/<int:image_id>/file/", views.ImageFileView.as_view(), name="image-file"),
    path("images/<int:image_id>/thumbnail/", views.ImageThumbnailView.as_view(), name="image-thumbnail"),
    path("images/<int:image_id>/exclude/", views.ImageExcludeView.as_view(), name="image-exclude"),
]
