import type {
  Download,
  MediaEvent,
  MediaServer,
  NotificationTarget,
  Profile,
  QueueItem,
} from "../api/types";

export function makeDownload(overrides: Partial<Download> = {}): Download {
  return {
    id: 1,
    media_id: 7,
    path: "/media/movies/Alien (1979)/Trailers/Alien (1979)-trailer.mkv",
    file_name: "Alien (1979)-trailer.mkv",
    size: 1572864,
    updated_at: "2024-03-10T12:34:00+00:00",
    resolution: "1920x1080",
    video_format: "h264",
    audio_format: "aac",
    audio_channels: "2",
    file_format: "matroska,webm",
    duration: 125,
    subtitles: "eng,fre",
    added_at: "2024-03-10T12:34:00+00:00",
    profile_id: 1,
    youtube_id: "dQw4w9WgXcQ",
    file_exists: true,
    source_url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    fingerprint: "abc",
    deleted_reason: null,
    deleted_at: null,
    ...overrides,
  };
}

export function makeProfile(overrides: Partial<Profile> = {}): Profile {
  return {
    id: 1,
    name: "Default",
    enabled: true,
    priority: 0,
    file_format: "mkv",
    file_name: "{title} ({year})-trailer",
    folder_enabled: true,
    folder_name: "Trailers",
    video_format: "h264",
    video_resolution: 1080,
    audio_format: "aac",
    subtitles_enabled: false,
    subtitles_format: "srt",
    subtitles_languages: "en",
    embed_metadata: true,
    search_query: "{title} {year} {media_type} trailer",
    min_duration: 30,
    max_duration: 600,
    include_words: "",
    exclude_words: "",
    always_search: false,
    for_movies: true,
    for_series: true,
    connection_id: null,
    min_year: null,
    max_year: null,
    title_words: "",
    stop_monitoring: false,
    added_at: "2024-01-01T00:00:00+00:00",
    updated_at: "2024-01-01T00:00:00+00:00",
    ...overrides,
  };
}

export function makeEvent(overrides: Partial<MediaEvent> = {}): MediaEvent {
  return {
    id: 1,
    media_id: 7,
    media_title: "Alien",
    media_year: 1979,
    download_id: null,
    event_type: "download_failed",
    message: "Download from https://www.youtube.com/watch?v=dQw4w9WgXcQ failed: Video unavailable",
    video_id: "dQw4w9WgXcQ",
    reason: null,
    source_failed: true,
    created_at: "2024-03-10T12:34:00+00:00",
    ...overrides,
  };
}

export function makeQueueItem(overrides: Partial<QueueItem> = {}): QueueItem {
  return {
    id: 1,
    media_id: 7,
    media_title: "Alien",
    profile_id: 1,
    profile_name: "Default",
    stage: "downloading",
    progress: 0.424,
    speed: 1258291,
    eta: 12,
    source: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    origin: "manual",
    replaces: null,
    cancelling: false,
    added_at: "2024-03-10T12:34:00+00:00",
    started_at: "2024-03-10T12:34:01+00:00",
    ...overrides,
  };
}

export function makeNotification(overrides: Partial<NotificationTarget> = {}): NotificationTarget {
  return {
    id: 3,
    name: "Discord",
    url: "discord://1...9/a...z",
    enabled: true,
    events: ["downloaded", "download_failed"],
    added_at: "2026-12-01T10:00:00Z",
    updated_at: "2026-12-01T10:00:00Z",
    ...overrides,
  };
}

export function makeMediaServer(overrides: Partial<MediaServer> = {}): MediaServer {
  return {
    id: 5,
    name: "Living room",
    kind: "jellyfin",
    url: "http://jellyfin.local:8096",
    token: "********abcd",
    enabled: true,
    path_mappings: [{ id: 1, path_from: "/data/movies", path_to: "/mnt/movies" }],
    added_at: "2026-12-01T10:00:00Z",
    updated_at: "2026-12-01T10:00:00Z",
    ...overrides,
  };
}
