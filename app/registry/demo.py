"""Demo services in the Ambiti of Bari and Lecce; every name and figure is invented.

Providers reuse the demo cases' (Coop. Il Melograno, Il Girasole), so a case's intervention and the registry
tell the same story. Running it again adds nothing and changes nothing.
"""

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.models import OrgUnit, Service
from app.registry.rules import SERVICE_KINDS

# (code, name, kind, org unit code, provider type, provider, targets, capacity)
DEMO_SERVICES = (
    ("CSF-BA-01", "Centro Servizi per le Famiglie di Bari", "csf", "ATS-BARI", "third_sector",
     "Coop. Sociale Progetto Famiglia", "Famiglie con figli minori e genitori separati", None),
    ("CAP-BA-01", "Centro Aperto Polivalente San Paolo", "cap", "072006", "third_sector",
     "Coop. Sociale Il Sorriso", "Minori dai 6 ai 17 anni del quartiere", 40),
    ("ADE-BA-01", "Assistenza Domiciliare Educativa - Ambito di Bari", "ade", "ATS-BARI", "third_sector",
     "Consorzio Sociale Metropoli", "Nuclei con minori in carico al servizio sociale professionale", 60),
    ("AFF-BA-01", "Servizio Affido Familiare - Ambito di Bari", "affido", "ATS-BARI", "public",
     "Comune di Bari - Ripartizione Welfare", "Minori in affido, famiglie affidatarie e di origine", None),
    ("CSF-LE-01", "Centro Servizi per le Famiglie dell'Ambito di Lecce", "csf", "ATS-LECCE", "third_sector",
     "Coop. Il Melograno", "Famiglie con figli minori dei dieci comuni dell'Ambito", None),
    ("CD-LE-01", "Centro socio-educativo diurno Il Girasole", "centro_diurno", "075035", "third_sector",
     "Il Girasole", "Minori dai 6 ai 17 anni", 30),
    ("ADE-LE-01", "Assistenza Domiciliare Educativa - Ambito di Lecce", "ade", "ATS-LECCE", "third_sector",
     "Coop. Il Melograno", "Nuclei con minori in carico al servizio sociale professionale", 45),
    ("SN-LE-01", "Spazio Neutro dell'Ambito di Lecce", "spazio_neutro", "075035", "public",
     "Ambito Territoriale di Lecce", "Minori e genitori negli incontri protetti disposti dal Tribunale", 12),
    ("CAP-LE-02", "Centro Aperto Polivalente di Surbo", "cap", "075083", "third_sector",
     "Coop. Sociale Arcobaleno", "Minori dai 6 ai 17 anni", 35),
)  # fmt: skip


def demo_services() -> list[Service]:
    """Register the demo services whose org unit exists and whose code is not registered yet; return them."""
    added = []
    for code, name, kind, unit_code, provider_type, provider, targets, capacity in DEMO_SERVICES:
        unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == unit_code)).first()
        if unit is None or db.session.scalars(select(Service.id).where(Service.code == code)).first():
            continue
        service = Service(
            code=code,
            name=name,
            kind=kind,
            legal_reference=SERVICE_KINDS[kind][1],
            org_unit_id=unit.id,
            provider_type=provider_type,
            provider_name=provider,
            targets=targets,
            capacity=capacity,
        )
        db.session.add(service)
        audit.record("service.created", service, org_unit_id=unit.id, code=code, via="demo")
        added.append(service)
    db.session.commit()
    return added
