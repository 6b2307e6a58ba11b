"""Resident registry (住民基本台帳): persons, households and their history.

The history is kept as periods: a :class:`ResidentRecord` is the content of a
person's 住民票 (name, household, relationship, address) from ``valid_from``
up to, not including, ``valid_to``. Every :class:`ResidentEvent` closes the
open period and, unless it ends residence (転出, 死亡), opens the next one, so
"where did this person live, in which household, as what, on date D" is a
single indexed query: ``valid_from <= D AND (valid_to IS NULL OR valid_to > D)``.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from kasumi.core import fieldcrypto

__all__ = ["Household", "Person", "Relationship", "ResidentEvent", "ResidentRecord", "Sex"]

MY_NUMBER_CONTEXT = b"registry.person.my_number"


class Sex(models.IntegerChoices):
    """Codes as in 住基ネット and JPKI certificates."""

    MALE = 1, _("male (男)")
    FEMALE = 2, _("female (女)")


class Relationship(models.TextChoices):
    """続柄 to the head of household."""

    HEAD = "head", _("head of household (世帯主)")
    SPOUSE = "spouse", _("spouse (妻・夫)")
    CHILD = "child", _("child (子)")
    SPOUSES_CHILD = "spouses_child", _("spouse's child (妻の子・夫の子)")
    PARENT = "parent", _("parent (父・母)")
    GRANDCHILD = "grandchild", _("grandchild (孫)")
    GRANDPARENT = "grandparent", _("grandparent (祖父・祖母)")
    SIBLING = "sibling", _("sibling (兄弟姉妹)")
    CHILD_IN_LAW = "child_in_law", _("child's spouse (子の妻・子の夫)")
    OTHER_RELATIVE = "other_relative", _("other relative (その他の親族)")
    COHABITANT = "cohabitant", _("cohabitant (同居人)")
    OTHER = "other", _("other (その他)")


class Person(models.Model):
    """A person known to the resident registry, with the current values.

    The 個人番号 is optional, stored only encrypted (``my_number_sealed``) with a
    keyed digest for lookups; it never appears in ``__str__``, logs or lists.
    """

    resident_code = models.CharField(
        _("resident record code (住民票コード)"), max_length=11, unique=True
    )
    family_name = models.CharField(_("family name (氏)"), max_length=50)
    given_name = models.CharField(_("given name (名)"), max_length=50)
    family_name_kana = models.CharField(_("family name kana (氏カナ)"), max_length=100)
    given_name_kana = models.CharField(_("given name kana (名カナ)"), max_length=100)
    name_key = models.CharField(max_length=120, db_index=True, editable=False)
    kana_key = models.CharField(max_length=220, db_index=True, editable=False)
    birth_date = models.DateField(_("date of birth (生年月日)"))
    sex = models.PositiveSmallIntegerField(_("sex (性別)"), choices=Sex.choices)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    my_number_sealed = models.BinaryField(null=True, blank=True, editable=False)
    my_number_digest = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_name} ({self.resident_code})"

    @property
    def name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}"

    @property
    def has_my_number(self) -> bool:
        return self.my_number_sealed is not None

    def my_number(self) -> str | None:
        """Decrypt the 個人番号; callers must have checked the reader's right to it."""
        if self.my_number_sealed is None:
            return None
        return fieldcrypto.unseal(bytes(self.my_number_sealed), MY_NUMBER_CONTEXT)


class Household(models.Model):
    """A 世帯 in one municipality, identified there by its number (世帯番号)."""

    municipality = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="households"
    )
    number = models.CharField(_("household number (世帯番号)"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "number"], name="unique_household_number"
            )
        ]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.number}"


class ResidentEvent(models.Model):
    """Something that happened to a person's registration, effective on a date."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("registration from a prior system (記載)")
        BIRTH = "birth", _("birth (出生)")
        MOVE_IN = "move_in", _("moving in (転入)")
        MOVE_OUT = "move_out", _("moving out (転出)")
        MOVE_WITHIN = "move_within", _("moving within the municipality (転居)")
        HOUSEHOLD_CHANGE = "household_change", _("household change (世帯変更)")
        NAME_CHANGE = "name_change", _("name change (氏名変更)")
        DEATH = "death", _("death (死亡)")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="events")
    municipality = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    effective_date = models.DateField(_("effective date"))
    source_id = models.CharField(
        _("source event id"), max_length=40, help_text=_("The id the source system gave the event.")
    )
    fingerprint = models.CharField(max_length=32, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    batch = models.ForeignKey(
        "registry.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "source_id"], name="unique_resident_event_source"
            )
        ]
        indexes = [
            models.Index(fields=["person", "effective_date"], name="resident_event_person_date")
        ]
        ordering = ["effective_date", "id"]
        verbose_name = _("resident event")
        verbose_name_plural = _("resident events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_date}"


class ResidentRecord(models.Model):
    """The content of a person's 住民票 during one period of time."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="records")
    municipality = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="records")
    relationship = models.CharField(
        _("relationship (続柄)"), max_length=16, choices=Relationship.choices
    )
    family_name = models.CharField(_("family name (氏)"), max_length=50)
    given_name = models.CharField(_("given name (名)"), max_length=50)
    family_name_kana = models.CharField(_("family name kana (氏カナ)"), max_length=100)
    given_name_kana = models.CharField(_("given name kana (名カナ)"), max_length=100)
    # Address as in the Address Base Registry; lg_code is the municipality's code.
    lg_code = models.CharField(_("local government code"), max_length=6)
    machiaza_id = models.CharField(_("町字ID"), max_length=7)
    blk_id = models.CharField(_("街区ID"), max_length=3, blank=True)
    rsdt_id = models.CharField(_("住居ID"), max_length=3, blank=True)
    rsdt2_id = models.CharField(_("住居2ID"), max_length=4, blank=True)
    address = models.CharField(_("address (住所)"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (exclusive)"), null=True, blank=True)
    opened_by = models.ForeignKey(ResidentEvent, on_delete=models.PROTECT, related_name="+")
    closed_by = models.ForeignKey(
        ResidentEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="resident_record_period_ordered",
            )
        ]
        indexes = [
            models.Index(fields=["person", "valid_from"], name="resident_record_person"),
            models.Index(fields=["household", "valid_from"], name="resident_record_household"),
            models.Index(fields=["municipality", "valid_to"], name="resident_record_current"),
        ]
        ordering = ["valid_from", "id"]
        verbose_name = _("resident record")
        verbose_name_plural = _("resident records")

    def __str__(self) -> str:
        return f"{self.valid_from}–{self.valid_to or ''}"

    @property
    def is_head(self) -> bool:
        return self.relationship == Relationship.HEAD

    def in_force_on(self, on: date) -> bool:
        """Whether this period covers ``on`` (the same rule as the date queries)."""
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)
