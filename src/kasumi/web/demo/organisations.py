"""The demo's organisations (tenants) and the staff roles each one gets.

Pure data, no database: :mod:`kasumi.web.demo.seed` creates the rows. The
national agencies are synthetic look-alikes marked 「（デモ）」; their 13-digit
codes are built from obviously synthetic bases (``99…``) with a valid 法人番号
check digit. Prefecture and municipality codes are the public 全国地方公共団体コード.
"""

from __future__ import annotations

from dataclasses import dataclass

from kasumi.core.codes import corporate_number_check_digit
from kasumi.core.roles import Role


def synthetic_corporate_number(base: str) -> str:
    """A 13-digit 法人番号 for a 12-digit ``base`` (the check digit leads)."""
    return corporate_number_check_digit(base) + base


def local_government_corporate_number(lg_code: str) -> str:
    """The 法人番号 scheme for local governments: ``000020`` + the 6-digit code."""
    return synthetic_corporate_number("000020" + lg_code)


@dataclass(frozen=True)
class OrgSpec:
    """One organisation of the demo, and the staff roles it gets.

    Each role is one account (``chiyoda-clerk``). Accounts are kept few: every
    one costs a deliberately slow password hash at first run. The main
    municipality has all five roles; the others what their work needs.
    """

    key: str  # short ascii key, used in staff usernames
    code: str
    kind: str  # an Organisation.Kind value
    name: str
    name_kana: str
    name_en: str
    roles: tuple[str, ...]
    prefecture_code: str | None = None
    is_platform_operator: bool = False
    # Romanised name as the Address Base Registry spells it (municipalities only).
    roma: str = ""


PLATFORM = OrgSpec(
    key="platform",
    code=synthetic_corporate_number("990000000001"),
    kind="national",
    name="霞プラットフォーム運用本部（デモ）",
    name_kana="カスミプラットフォームウンヨウホンブ",
    name_en="Kasumi Platform Operations (demo)",
    # Its operator is the ``admin`` account (PLATFORM_ADMIN_USERNAME).
    roles=(Role.AUDITOR,),
    is_platform_operator=True,
)
TAX_AGENCY = OrgSpec(
    key="nta",
    code=synthetic_corporate_number("990000000002"),
    kind="national",
    name="国税庁（デモ）",
    name_kana="コクゼイチョウ",
    name_en="National Tax Agency (demo)",
    roles=(Role.REGISTRAR, Role.AUDITOR),
)
DIGITAL_AGENCY = OrgSpec(
    key="digital",
    code=synthetic_corporate_number("990000000003"),
    kind="national",
    name="デジタル庁（デモ）",
    name_kana="デジタルチョウ",
    name_en="Digital Agency (demo)",
    roles=(Role.REGISTRAR, Role.AUDITOR),
)
TOKYO = OrgSpec(
    key="tokyo",
    code="130001",
    kind="prefecture",
    name="東京都",
    name_kana="トウキョウト",
    name_en="Tokyo Metropolis",
    roles=(Role.CLERK, Role.APPROVER),
    roma="Tokyo",
)
CHIYODA = OrgSpec(
    key="chiyoda",
    code="131016",
    kind="municipality",
    name="千代田区",
    name_kana="チヨダク",
    name_en="Chiyoda City",
    roles=(Role.OPERATOR, Role.REGISTRAR, Role.CLERK, Role.APPROVER, Role.AUDITOR),
    prefecture_code="130001",
    roma="Chiyoda-ku",
)
SHIBUYA = OrgSpec(
    key="shibuya",
    code="131130",
    kind="municipality",
    name="渋谷区",
    name_kana="シブヤク",
    name_en="Shibuya City",
    roles=(Role.REGISTRAR, Role.CLERK, Role.APPROVER),
    prefecture_code="130001",
    roma="Shibuya-ku",
)

# Creation order matters: a prefecture before its municipalities.
ORGANISATIONS: tuple[OrgSpec, ...] = (PLATFORM, TAX_AGENCY, DIGITAL_AGENCY, TOKYO, CHIYODA, SHIBUYA)
MUNICIPALITIES: tuple[OrgSpec, ...] = (CHIYODA, SHIBUYA)
# The main demo municipality (the spine of the brief: 千代田区 131016).
MAIN_MUNICIPALITY = CHIYODA
SECOND_MUNICIPALITY = SHIBUYA


def staff_username(org: OrgSpec, role: str) -> str:
    """``chiyoda-registrar``: one account per organisation and role."""
    return f"{org.key}-{role}"


# The platform operator account: operator in the platform organisation, so it
# administers every tenant without being a Django superuser.
PLATFORM_ADMIN_USERNAME = "admin"
