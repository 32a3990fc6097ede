"""Messages that come from Django or third-party apps and lack a (correct) Romanian
translation in their own catalogues.

Never called: the functions only mark the texts so that makemessages keeps them in
locale/ro, where our translation takes precedence over Django's and the apps'.
"""

from django.utils.translation import gettext, ngettext, pgettext


def _django_password_validation() -> None:  # pragma: no cover
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        0,
    )


def _lower_case_month_and_day_names() -> None:  # pragma: no cover
    """Django's Romanian catalogue capitalises months and days ("28 Noiembrie 2026"); Romanian
    writes them in lower case ("28 noiembrie 2026"): DATE_FORMAT's "F", "E", "N" and "l"."""
    gettext("January")
    gettext("February")
    gettext("March")
    gettext("April")
    gettext("May")
    gettext("June")
    gettext("July")
    gettext("August")
    gettext("September")
    gettext("October")
    gettext("November")
    gettext("December")
    pgettext("alt. month", "January")
    pgettext("alt. month", "February")
    pgettext("alt. month", "March")
    pgettext("alt. month", "April")
    pgettext("alt. month", "May")
    pgettext("alt. month", "June")
    pgettext("alt. month", "July")
    pgettext("alt. month", "August")
    pgettext("alt. month", "September")
    pgettext("alt. month", "October")
    pgettext("alt. month", "November")
    pgettext("alt. month", "December")
    pgettext("abbrev. month", "Jan.")
    pgettext("abbrev. month", "Feb.")
    pgettext("abbrev. month", "March")
    pgettext("abbrev. month", "April")
    pgettext("abbrev. month", "May")
    pgettext("abbrev. month", "June")
    pgettext("abbrev. month", "July")
    pgettext("abbrev. month", "Aug.")
    pgettext("abbrev. month", "Sept.")
    pgettext("abbrev. month", "Oct.")
    pgettext("abbrev. month", "Nov.")
    pgettext("abbrev. month", "Dec.")
    gettext("Monday")
    gettext("Tuesday")
    gettext("Wednesday")
    gettext("Thursday")
    gettext("Friday")
    gettext("Saturday")
    gettext("Sunday")


def _third_party_admin() -> None:  # pragma: no cover
    """What /admin/ shows of django-axes and django-tasks, which ship no Romanian."""
    # django-axes: models, fields and admin
    gettext("access attempt")
    gettext("access attempts")
    gettext("Access Attempt")
    gettext("access attempt expiration")
    gettext("access attempt expirations")
    gettext("access failure")
    gettext("access failures")
    gettext("access log")
    gettext("access logs")
    gettext("User Agent")
    gettext("IP Address")
    gettext("Username")
    gettext("HTTP Accept")
    gettext("Path")
    gettext("Attempt Time")
    gettext("Access lock out")
    gettext("GET Data")
    gettext("POST Data")
    gettext("Failed Logins")
    gettext("Expires At")
    gettext("The time when access attempt expires and is no longer valid.")
    gettext("Logout Time")
    gettext("Session key hash (sha256)")
    gettext("Locked Out")
    gettext("Form Data")
    gettext("Meta Data")
    gettext("Clean up expired attempts")
    gettext("Not set")
    gettext("Attempt Remaining")
    # django-tasks and its database backend
    gettext("Task Result")
    gettext("Task Results")
    gettext("enqueued at")
    gettext("started at")
    gettext("finished at")
    gettext("args kwargs")
    gettext("priority")
    gettext("task path")
    gettext("worker id")
    gettext("queue name")
    gettext("backend name")
    gettext("run after")
    gettext("return value")
    gettext("exception class path")
    gettext("traceback")
    pgettext("Task", "Ready")
    pgettext("Task", "Running")
    pgettext("Task", "Failed")
    pgettext("Task", "Successful")
