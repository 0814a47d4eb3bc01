// The shapes the UI works with, named after what they are; all come from the generated
// schema except the generic `Page` and the websocket's messages.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type Media = Schemas["MediaRead"];
export type MediaCreate = Schemas["MediaCreate"];
export type MediaStatus = Schemas["MonitorStatus"];
export type Download = Schemas["DownloadRead"];
export type DeletedReason = Schemas["DeletedReason"];
export type Profile = Schemas["TrailerProfileRead"];
export type ProfileCreate = Schemas["TrailerProfileCreate"];
export type ProfileUpdate = Schemas["TrailerProfileUpdate"];

export interface Page<T> {
  page: number;
  page_size: number;
  total: number;
  records: T[];
}

export type AuthStatus = Schemas["AuthStatus"];
export type Credentials = Schemas["Credentials"];
export type SetupCredentials = Schemas["SetupCredentials"];
export type PasswordChange = Schemas["PasswordChange"];

export type HistoryRecord = Schemas["DownloadHistoryRead"];
export type HistoryPage = Schemas["Page_DownloadHistoryRead_"];

export type HistorySortKey = Schemas["HistorySort"];
export type SortOrder = Schemas["SortOrder"];

/** The history's query: paging, sorting and the filters (GET /api/v1/downloads). */
export type HistoryQuery = NonNullable<paths["/api/v1/downloads"]["get"]["parameters"]["query"]>;

export type CountByKey = Schemas["CountBucket"];
export type CountByProfile = Schemas["ProfileBucket"];
export type DownloadStats = Schemas["DownloadStats"];

export type EventType = Schemas["EventType"];
export type EventSource = Schemas["EventSource"];
export type MediaEvent = Schemas["EventHistoryRead"];
export type EventPage = Schemas["Page_EventHistoryRead_"];

export type RedownloadRequest = Schemas["RedownloadRequest"];
export type TrailerSearch = Schemas["TrailerSearch"];
export type SearchCandidate = Schemas["SearchCandidate"];
export type AppSettings = Schemas["AppSettingsRead"];

export type NotificationTarget = Schemas["NotificationTargetRead"];
export type NotificationTargetCreate = Schemas["NotificationTargetCreate"];
export type NotificationTargetUpdate = Schemas["NotificationTargetUpdate"];
export type NotificationEvent = Schemas["NotificationEvent"];
/** The answer of a notification test: `ok`, or the `error` that stopped it. */
export type NotificationCheck =
  paths["/api/v1/notifications/test"]["post"]["responses"]["200"]["content"]["application/json"];

export type MediaServer = Schemas["MediaServerRead"];
export type MediaServerCreate = Schemas["MediaServerCreate"];
export type MediaServerUpdate = Schemas["MediaServerUpdate"];
export type MediaServerKind = Schemas["MediaServerKind"];
/** The answer of a media server test: its name and version, or the `error`. */
export type MediaServerCheck =
  paths["/api/v1/mediaservers/test"]["post"]["responses"]["200"]["content"]["application/json"];

export type QueueItem = Schemas["QueueItemRead"];
export type QueueStage = Schemas["Stage"];

export type LiveMessageType = "Info" | "Success" | "Error" | "Queue";

export interface LiveMessage {
  type: LiveMessageType;
  message: string;
  media_id?: number;
  /** "Queue": a download in the queue as it is now (added, or a stage or progress changed). */
  item?: QueueItem;
  /** "Queue": the id of a download that left the queue (done, failed or cancelled). */
  removed?: number;
}
