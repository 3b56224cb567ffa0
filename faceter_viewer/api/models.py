"""Pydantic models for every object in the Integration API and Archive API documents.

Field names are snake_case in Python and camelCase on the wire (`model_dump(by_alias=True)`).
All models tolerate unknown fields (kept, api-rules §7), missing or null optionals, and unknown
enum values (kept as plain text). The demo server produces its JSON from these same models.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

from faceter_viewer.api import rules
# The enums are re-exported here: callers name them with the models they describe.
from faceter_viewer.api.enums import CameraPlatform, EventType, ExportStatus, SortOrder  # noqa: F401

ApiDateTime = Annotated[
    datetime,
    BeforeValidator(rules.parse_api_datetime),
    PlainSerializer(rules.format_api_datetime, return_type=str, when_used="json"),
]
"""§4: parsed from any ISO 8601 form into aware UTC; written as UTC with `Z` in JSON."""

Attributes = Annotated[dict[str, str], BeforeValidator(rules.normalise_attributes)]
"""§6: a list of one-key objects or one object, always dict[str, str] in Python; sent as one
object (the POST form)."""

ListedAttributes = Annotated[
    dict[str, str],
    BeforeValidator(rules.normalise_attributes),
    PlainSerializer(lambda value: [{k: v} for k, v in value.items()], when_used="json"),
]
"""§6: the same, written back as the list of one-key objects the GET responses carry."""


# §7: enum-valued fields are plain text, so that a value this version does not know (a new event
# type, platform or export status) is kept and shown instead of failing the whole response. The
# StrEnums in api/enums.py name the known values; they compare equal to the text.
EventTypeName = str
PlatformName = str
ExportStatusName = str


class ApiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        frozen=True,
    )

    def to_api(self) -> dict[str, Any]:
        """The JSON object as the API names it (camelCase), without unset optionals."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# --- Integration API: key and cameras -----------------------------------------------------------


class KeyValidation(ApiModel):
    is_valid: bool = False


class ArchiveApiToken(ApiModel):
    signature: str
    exp: int  # Unix seconds


class Room(ApiModel):
    id: str | None = None
    title: str = ""


class Location(ApiModel):
    id: str | None = None
    title: str = ""
    room: Room | None = None


class Camera(ApiModel):
    id: str
    device_id: str | None = None
    title: str = ""
    preview_url: str | None = None
    archive_api_token: ArchiveApiToken | None = None
    archive_api_url: str | None = None
    archive_days: int = 0
    live_rtsp_url: str | None = None
    live_hls_url: str | None = None
    is_online: bool = False
    last_online_date: ApiDateTime | None = None
    camera_model: str | None = None
    platform: PlatformName | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    application_version: str | None = None
    is_owner: bool = False
    is_full_access: bool = False
    is_archive_granted: bool = False
    is_audio_granted: bool = False
    temp_access_expiry_date: ApiDateTime | None = None
    location: Location | None = None

    @property
    def has_archive_access(self) -> bool:
        return bool(self.is_archive_granted and self.archive_api_url and self.archive_api_token)


# --- Integration API: events --------------------------------------------------------------------


class Event(ApiModel):
    id: str
    camera_id: str | None = None
    type: EventTypeName = ""
    start_time: ApiDateTime
    end_time: ApiDateTime | None = None
    preview_url: str | None = None
    merged_events_count: int | None = None
    attributes: ListedAttributes = Field(default_factory=dict)

    @property
    def start_timestamp(self) -> float:
        """`start_time` in epoch seconds."""
        return self.start_time.timestamp()

    @property
    def end_timestamp(self) -> float | None:
        """`end_time` in epoch seconds; None when the event has no end."""
        return None if self.end_time is None else self.end_time.timestamp()


class EventPage(ApiModel):
    items: list[Event] = Field(default_factory=list)
    has_more: bool = False


class EventGrid(ApiModel):
    rows: int = Field(ge=1)
    cols: int = Field(ge=1)
    cells: list[int]

    @model_validator(mode="after")
    def _cells_fill_grid(self) -> EventGrid:
        if len(self.cells) != self.rows * self.cols:
            raise ValueError(f"grid has {len(self.cells)} cells, expected rows*cols = {self.rows * self.cols}")
        return self


class NewEvent(ApiModel):
    """The body of POST /v1/cameras/{id}/events. `event_id` is generated on the client, which is
    what makes a retry of this POST safe (§13)."""

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    start_date: ApiDateTime
    end_date: ApiDateTime | None = None
    event_type: EventTypeName = EventType.CUSTOM
    instant: bool = False
    grid: EventGrid | None = None
    attributes: Attributes = Field(default_factory=dict)
    snapshot: str | None = None
    object_snapshot: str | None = None


# --- Integration API: recordings and exports ----------------------------------------------------


Seconds = Annotated[
    float,
    Field(allow_inf_nan=False),  # JSON has no Infinity: it would be written back as null
    PlainSerializer(lambda value: int(value) if float(value).is_integer() else value, when_used="json"),
]
"""A duration the document types as an integer; parsed tolerantly as a number, written as an
integer whenever it is one."""


class Recording(ApiModel):
    start_date: ApiDateTime
    duration_seconds: Seconds = 0

    @property
    def start_timestamp(self) -> float:
        """`start_date` in epoch seconds."""
        return self.start_date.timestamp()

    @property
    def end_timestamp(self) -> float:
        """The recording's end in epoch seconds."""
        return self.start_date.timestamp() + self.duration_seconds


class VideoExportRequest(ApiModel):
    start_date: ApiDateTime
    duration_seconds: int = Field(ge=1)
    audio_enabled: bool = False
    callback_url: str | None = None


class AudioExportRequest(ApiModel):
    start_date: ApiDateTime
    duration_seconds: int = Field(ge=1)
    callback_url: str | None = None


class ExportTask(ApiModel):
    """What creating an export answers (202), and the common part of its status."""

    export_id: str
    status: ExportStatusName = ExportStatus.QUEUED
    error_message: str | None = None
    preview_url: str | None = None
    created_at_utc: ApiDateTime | None = None
    completed_at_utc: ApiDateTime | None = None

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.COMPLETED, ExportStatus.FAILED)

    @property
    def is_completed(self) -> bool:
        return self.status == ExportStatus.COMPLETED

    @property
    def file_url(self) -> str | None:
        return None


class VideoExport(ExportTask):
    video_url: str | None = None

    @property
    def file_url(self) -> str | None:
        return self.video_url


class AudioExport(ExportTask):
    audio_url: str | None = None

    @property
    def file_url(self) -> str | None:
        return self.audio_url


# --- Archive API --------------------------------------------------------------------------------


class TimelineInterval(ApiModel):
    """§16: `time`, `duration` and `offset` are epoch MILLISECONDS."""

    time: int
    duration: int = 0
    offset: int = 0

    @property
    def start(self) -> datetime:
        return rules.from_timeline_ms(self.time)

    @property
    def end(self) -> datetime:
        return rules.from_timeline_ms(self.time + self.duration)

    @property
    def start_timestamp(self) -> float:
        """`time` in epoch SECONDS, the unit everything past api/ uses (§16: the wire has ms)."""
        return self.time / 1000

    @property
    def end_timestamp(self) -> float:
        """`time + duration` in epoch SECONDS."""
        return (self.time + self.duration) / 1000


class ArchiveSize(ApiModel):
    size: int = 0


# --- Error bodies (§12) -------------------------------------------------------------------------


class ProblemDetails(ApiModel):
    """RFC 7807, as the Archive API's preview 404 shows it."""

    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None


class ErrorCodeBody(ApiModel):
    """`{"status", "code", "description"}`, as the Archive API's PlaylistNotFound shows it."""

    status: int | None = None
    code: str | None = None
    description: str | None = Field(default=None, validation_alias=AliasChoices("description", "message"))
