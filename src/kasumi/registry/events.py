"""Event types the registries publish on :mod:`kasumi.core.events`.

Payloads: ``person_id`` (internal id), ``resident_code``, ``lg_code`` and
``effective_date`` (ISO date); nothing else about the person. Subscribers that
need more read the registry themselves.
"""

from __future__ import annotations

RESIDENT_REGISTERED = "registry.resident.registered"  # 出生, 転入, 記載
RESIDENT_ADDRESS_CHANGED = "registry.resident.address_changed"  # 転居 (and 転入 into a new address)
RESIDENT_MOVED_OUT = "registry.resident.moved_out"  # 転出
RESIDENT_NAME_CHANGED = "registry.resident.name_changed"  # 氏名変更
RESIDENT_HOUSEHOLD_CHANGED = "registry.resident.household_changed"  # 世帯変更
RESIDENT_DIED = "registry.resident.died"  # 死亡
CORPORATION_CHANGED = "registry.corporation.changed"  # any 法人番号 process row applied
