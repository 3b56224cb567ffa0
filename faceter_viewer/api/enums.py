"""The enumerations of the API documents (plain Python: cheap to import)."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    MOTION = "Motion"
    HUMAN = "Human"
    VEHICLE = "Vehicle"
    LINE_CROSSING = "LineCrossing"
    INTRUSION = "Intrusion"
    PEOPLE_COUNTING = "PeopleCounting"
    LICENSE_PLATE = "LicensePlate"
    PET = "Pet"
    PERSONAL_MOBILITY_VEHICLE = "PersonalMobilityVehicle"
    FACE = "Face"
    CUSTOM = "Custom"


class CameraPlatform(StrEnum):
    EMBEDDED = "Embedded"
    THIRD_PARTY = "ThirdParty"
    MOBILE = "Mobile"


class SortOrder(StrEnum):
    NONE = "None"
    ASC = "Asc"
    DESC = "Desc"


class ExportStatus(StrEnum):
    """§9: Queued, then any status that is not final means "in progress", then Completed/Failed."""

    QUEUED = "Queued"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"


__all__ = ["CameraPlatform", "EventType", "ExportStatus", "SortOrder"]
