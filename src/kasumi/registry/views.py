"""Registry browser (台帳閲覧) for staff: thin HTML views over the registry services.

The views parse a form, call :mod:`kasumi.registry.residents`,
:mod:`kasumi.registry.corporations` or :mod:`kasumi.registry.address_matcher`
with the :class:`~kasumi.core.actors.Actor` of the signed-in staff account, and
render the answer. Authorisation is the services' job; a
:class:`~kasumi.core.apierrors.ServiceError` becomes an error page with its
status and a translated explanation (for a missing role: which role is needed).

The 個人番号 (My Number) never reaches these pages: they show only whether the
registry holds one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from kasumi.core.actors import Actor
from kasumi.core.apierrors import Forbidden, Invalid, ServiceError
from kasumi.core.models import User
from kasumi.core.prefectures import PREFECTURES
from kasumi.core.roles import PERSONAL_REGISTRY_READ, Role
from kasumi.registry import corporations, residents
from kasumi.registry.address_matcher import AddressMatch, Level, match_address

if TYPE_CHECKING:
    # Lazy translations (gettext_lazy); the name exists for type checking only.
    from django_stubs_ext import StrPromise as Promise

PAGE_SIZE = 20

View = Callable[..., HttpResponse]

# Translated explanations for the stable codes services raise; the service's own
# (English) message is the fallback for codes not listed here.
ERROR_MESSAGES: dict[str, Promise] = {
    "not_a_registry_owner": _(
        "Only a municipality keeps a resident registry. Your account belongs to an "
        "organisation that is not a municipality, so it cannot read residents."
    ),
    "role_not_permitted": _("Your roles do not allow reading the resident registry."),
    "resident_not_found": _("There is no such resident in your municipality's registry."),
    "household_not_found": _("There is no such household in your municipality's registry."),
    "invalid_resident_code": _("This is not a valid resident record code (住民票コード)."),
    "corporation_not_found": _("No corporation has this corporate number."),
    "invalid_corporate_number": _("This is not a valid corporate number (法人番号)."),
    "empty_address": _("Enter an address."),
    "address_too_long": _("The address is too long."),
    "invalid_lg_code": _("This is not a valid local government code (its check digit is wrong)."),
    "empty_name": _("The name has nothing to search for."),
    "invalid_name": _("The name has nothing to search for."),
    "invalid_prefecture": _("Choose a prefecture from the list."),
    "no_organisation": _(
        "Your account does not belong to an organisation. Ask an operator of your "
        "organisation to assign your account to it."
    ),
}

ERROR_TITLES: dict[int, Promise] = {
    400: _("The request is not valid"),
    403: _("Access not permitted"),
    404: _("Not found"),
    409: _("Conflict"),
    422: _("The request is not valid"),
}

# Codes that mean "you may not read residents": the page lists the roles that may.
RESIDENT_ROLE_CODES = frozenset({"not_a_registry_owner", "role_not_permitted"})


# --- forms ------------------------------------------------------------------


class DateInput(forms.DateInput):
    """A native date picker; browsers send ISO dates whatever the UI language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_field(label: Promise, help_text: Promise | str = "") -> forms.DateField:
    """An optional date with the native picker, accepting ISO and 2024/04/01."""
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
    )


class OnDateForm(forms.Form):
    """The date a page shows the registry as of (default: today)."""

    on = date_field(_("As of"), _("Format: YYYY-MM-DD. Leave empty for today."))


class ResidentSearchForm(forms.Form):
    """Who to look for in the resident registry, and on which date."""

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        help_text=_(
            "Kanji, hiragana or katakana; variant kanji match, so 高橋, 髙橋 and たかはし find "
            "the same person."
        ),
    )
    birth_date = date_field(_("Date of birth"), _("Format: YYYY-MM-DD."))
    on = date_field(
        _("Registered on"), _("Residents registered on this date. Leave empty for today.")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Listing everyone is not a search: staff look up the people their work needs.
        if (
            not self.errors
            and not cleaned.get("name", "").strip()
            and not cleaned.get("birth_date")
        ):
            raise ValidationError(
                _("Enter a name or a date of birth to search for."), code="no_criteria"
            )
        return cleaned


def prefecture_choices() -> list[tuple[str, str]]:
    """都道府県 options labelled in the active language."""
    english = (get_language() or "ja").startswith("en")
    return [("", str(_("Any prefecture")))] + [
        (code, f"{code} {en if english else ja}") for code, ja, en in PREFECTURES
    ]


class CorporationSearchForm(forms.Form):
    """Name and/or prefecture to look for in the corporate register."""

    name = forms.CharField(
        label=_("Corporate name"),
        required=False,
        max_length=150,
        help_text=_("Kanji, kana or half-width kana (霞商事, かすみしょうじ, ｶｽﾐｼｮｳｼﾞ)."),
    )
    prefecture = forms.ChoiceField(label=_("Prefecture"), required=False, choices=())
    include_closed = forms.BooleanField(label=_("Include closed corporations"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request so the labels follow the active language.
        prefecture = self.fields["prefecture"]
        assert isinstance(prefecture, forms.ChoiceField)
        prefecture.choices = prefecture_choices()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            not self.errors
            and not cleaned.get("name", "").strip()
            and not cleaned.get("prefecture")
        ):
            raise ValidationError(
                _("Enter a name or choose a prefecture to search for."), code="no_criteria"
            )
        return cleaned


class AddressMatchForm(forms.Form):
    """A free-text address, optionally limited to one municipality."""

    text = forms.CharField(
        label=_("Address"),
        max_length=300,
        help_text=_("Free text as written on a form, e.g. 東京都千代田区霞が関一丁目1番1号."),
    )
    lg_code = forms.CharField(
        label=_("Local government code (optional)"),
        required=False,
        max_length=6,
        min_length=6,
        help_text=_("Six digits, e.g. 131016; limits the match to one municipality."),
    )

    def clean_lg_code(self) -> str:
        code: str = self.cleaned_data.get("lg_code", "").strip()
        if code and not (code.isascii() and code.isdigit()):
            raise ValidationError(_("The code has six digits."), code="invalid_lg_code")
        return code


# --- access -----------------------------------------------------------------


def staff_user(request: HttpRequest) -> User:
    """The signed-in staff account (the decorators below guarantee there is one)."""
    user = request.user
    assert isinstance(user, User)
    return user


def actor_of(request: HttpRequest) -> Actor:
    """The services' view of the signed-in staff account."""
    return Actor.for_user(staff_user(request))


def role_labels(roles: Iterable[str]) -> list[str]:
    """Display names of roles in a stable order; unknown values shown as they are."""
    wanted = set(roles)
    # Declaration order (registrar, clerk, approver, …) reads better than alphabetical.
    labels = [str(role.label) for role in Role if role.value in wanted]
    return labels + sorted(wanted - set(Role.values))


def staff_required(view: View) -> View:
    """Sign in first (our login page), then be a member of an organisation.

    Pages with registry data are never cached: they must not outlive the session
    in a shared or back-button cache.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("login"))
        assert isinstance(user, User)
        if user.organisation_id is None and not user.is_superuser:
            return error_page(
                request,
                Forbidden("This account belongs to no organisation.", code="no_organisation"),
            )
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


def error_page(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """Render a service refusal with its status, in the user's language."""
    message = ERROR_MESSAGES.get(exc.code, exc.message)
    context: dict[str, Any] = {
        "title": ERROR_TITLES.get(exc.status, _("Something went wrong")),
        "message": message,
        "code": exc.code,
        "status": exc.status,
    }
    if exc.code in RESIDENT_ROLE_CODES and isinstance(request.user, User):
        context["needed_roles"] = role_labels(PERSONAL_REGISTRY_READ)
        context["your_roles"] = role_labels(request.user.role_set())
        context["your_organisation"] = request.user.organisation
    return render(request, "registry/error.html", context, status=exc.status)


def today() -> date:
    """Today in the platform's time zone (Asia/Tokyo), not the server's."""
    return timezone.localdate()


MAX_PAGE = 10_000


def page_number(request: HttpRequest) -> int:
    """The requested page, 1-based; nonsense or absurd values fall back to a valid page."""
    try:
        # Bounded so that a hand-made URL cannot ask the database for a huge offset.
        return min(MAX_PAGE, max(1, int(request.GET.get("page", "1"))))
    except ValueError:
        return 1


@dataclass(frozen=True)
class Pagination:
    """Where one page of results sits in the whole, for the template."""

    number: int
    size: int
    count: int

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.count else 0

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.count)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def with_service_errors(view: View) -> View:
    """Turn a :class:`ServiceError` raised by a service into its error page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ServiceError as exc:
            return error_page(request, exc)

    return wrapped


# --- pages ------------------------------------------------------------------


@staff_required
def index(request: HttpRequest) -> HttpResponse:
    """What the browser offers, and what this account may use."""
    actor = actor_of(request)
    try:
        residents.owning_municipality(actor)
        can_read_residents = True
    except ServiceError:
        can_read_residents = False
    return render(
        request,
        "registry/index.html",
        {
            "can_read_residents": can_read_residents,
            "needed_roles": role_labels(PERSONAL_REGISTRY_READ),
            "your_roles": role_labels(actor.roles),
        },
    )


@staff_required
@with_service_errors
def resident_search(request: HttpRequest) -> HttpResponse:
    """Search residents by name and date of birth, as registered on a date."""
    actor = actor_of(request)
    municipality = residents.owning_municipality(actor)
    form = ResidentSearchForm(request.GET or None, initial={"on": today()})
    context: dict[str, Any] = {"form": form, "municipality": municipality}
    status = 200
    if form.is_bound:
        if form.is_valid():
            on = form.cleaned_data["on"] or today()
            pagination = Pagination(page_number(request), PAGE_SIZE, 0)
            try:
                count, rows = residents.search(
                    actor,
                    name=form.cleaned_data["name"].strip() or None,
                    birth_date=form.cleaned_data["birth_date"],
                    on=on,
                    limit=PAGE_SIZE,
                    offset=pagination.offset,
                )
            except Invalid as exc:
                form.add_error("name", ERROR_MESSAGES.get(exc.code, exc.message))
                status = 400
            else:
                context.update(
                    on=on,
                    rows=rows,
                    pagination=Pagination(pagination.number, PAGE_SIZE, count),
                )
        else:
            status = 400
    return render(request, "registry/resident_search.html", context, status=status)


@staff_required
@with_service_errors
def person(request: HttpRequest, resident_code: str) -> HttpResponse:
    """A resident: the record on a date, the full history, links to households."""
    actor = actor_of(request)
    municipality = residents.owning_municipality(actor)
    found = residents.get_person(actor, resident_code)
    form = OnDateForm(request.GET or None, initial={"on": today()})
    context: dict[str, Any] = {"form": form, "person": found, "municipality": municipality}
    if form.is_bound and not form.is_valid():
        return render(request, "registry/person.html", context, status=400)
    on = (form.cleaned_data["on"] if form.is_bound else None) or today()
    found_history = residents.history(found, municipality)
    periods = [(r, r.in_force_on(on)) for r in found_history.records]
    context.update(
        on=on,
        # At most one period of a municipality is in force on a date.
        record=next((r for r, in_force in periods if in_force), None),
        events=found_history.events,
        periods=periods,
    )
    return render(request, "registry/person.html", context)


@staff_required
@with_service_errors
def household(request: HttpRequest, number: str) -> HttpResponse:
    """A household's members and their relationships (続柄) on a date."""
    actor = actor_of(request)
    municipality = residents.owning_municipality(actor)
    found = residents.get_household(actor, number)
    form = OnDateForm(request.GET or None, initial={"on": today()})
    context: dict[str, Any] = {"form": form, "household": found, "municipality": municipality}
    if form.is_bound and not form.is_valid():
        return render(request, "registry/household.html", context, status=400)
    on = (form.cleaned_data["on"] if form.is_bound else None) or today()
    members = residents.household_on(found, on)
    context.update(on=on, members=members, head=next((m for m in members if m.is_head), None))
    return render(request, "registry/household.html", context)


@staff_required
@with_service_errors
def corporation_search(request: HttpRequest) -> HttpResponse:
    """Search the corporate register (public data: any staff may)."""
    form = CorporationSearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if form.is_bound:
        if form.is_valid():
            pagination = Pagination(page_number(request), PAGE_SIZE, 0)
            try:
                found = corporations.search(
                    name=form.cleaned_data["name"].strip() or None,
                    prefecture_code=form.cleaned_data["prefecture"] or None,
                    include_closed=form.cleaned_data["include_closed"],
                    limit=PAGE_SIZE,
                    offset=pagination.offset,
                )
            except Invalid as exc:
                form.add_error(None, ERROR_MESSAGES.get(exc.code, exc.message))
                status = 400
            else:
                context.update(
                    rows=found.results,
                    pagination=Pagination(pagination.number, PAGE_SIZE, found.count),
                )
        else:
            status = 400
    return render(request, "registry/corporation_search.html", context, status=status)


@staff_required
@with_service_errors
def corporation(request: HttpRequest, number: str) -> HttpResponse:
    """A corporation as it is now, and every recorded change."""
    found = corporations.lookup(number)
    records = corporations.history(number)
    return render(
        request,
        "registry/corporation.html",
        {"corporation": found, "records": list(reversed(records))},
    )


LEVEL_LABELS: dict[Level, Promise] = {
    Level.NONE: _("No match"),
    Level.PREFECTURE: _("Prefecture (都道府県)"),
    Level.CITY: _("Municipality (市区町村)"),
    Level.TOWN: _("Town (町字)"),
    Level.BLOCK: _("Block (街区)"),
    Level.RESIDENCE: _("Residence (住居)"),
}


@dataclass(frozen=True)
class MatchView:
    """An :class:`AddressMatch` with what the template needs to say about it."""

    match: AddressMatch

    @property
    def level_label(self) -> Promise:
        return LEVEL_LABELS[self.match.level]

    @property
    def level_number(self) -> int:
        return int(self.match.level)

    @property
    def identifiers(self) -> list[tuple[Promise, str]]:
        """The ids the match settled, labelled, deepest last (unsettled ones left out)."""
        labels = (
            _("Local government code"),
            _("Town id (町字ID)"),
            _("Block id (街区ID)"),
            _("Residence id (住居ID)"),
            _("Residence id 2 (住居2ID)"),
        )
        return [
            (label, value) for label, value in zip(labels, self.match.ids, strict=True) if value
        ]

    @property
    def hidden_candidates(self) -> int:
        return self.match.candidate_count - len(self.match.candidates)


@staff_required
@with_service_errors
def address_match(request: HttpRequest) -> HttpResponse:
    """Match a free-text address against the Address Base Registry (public data)."""
    form = AddressMatchForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                found = match_address(
                    form.cleaned_data["text"], lg_code=form.cleaned_data["lg_code"] or None
                )
            except Invalid as exc:
                field = "lg_code" if exc.code == "invalid_lg_code" else "text"
                form.add_error(field, ERROR_MESSAGES.get(exc.code, exc.message))
                status = 400
            else:
                context["result"] = MatchView(found)
        else:
            status = 400
    return render(request, "registry/address_match.html", context, status=status)
