"""Web pages: loaners (issue 4): the pools, booking, a calendar and .ics feed per pool."""

from django.urls import path

from .views import loaners

app_name = "loaners"

urlpatterns = [
    path("", loaners.index, name="index"),
    path("book/", loaners.book, name="book"),
    path("pool/add/", loaners.add_to_pool, name="add-to-pool"),
    path("pool/<int:model_id>/", loaners.pool, name="pool"),
    path("pool/<int:model_id>/calendar.ics", loaners.pool_ics, name="ics"),
    path("<int:pk>/cancel/", loaners.cancel, name="cancel"),
    path("<int:pk>/hand-out/", loaners.hand_out, name="hand-out"),
    path("<int:pk>/return/", loaners.give_back, name="return"),
]
