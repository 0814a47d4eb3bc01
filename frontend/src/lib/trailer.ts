// The trailer of a media item as one text field: a YouTube id, or a link to a video (a
// YouTube link, or any http(s) URL that yt-dlp supports). The server turns a YouTube link
// sent as `trailer_url` into its id.

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;

export interface TrailerFields {
  youtube_trailer_id: string | null;
  trailer_url: string | null;
}

/** The text a media's trailer is shown as in the edit dialog. */
export function trailerText(media: {
  youtube_trailer_id?: string | null;
  trailer_url?: string | null;
}): string {
  return media.trailer_url || media.youtube_trailer_id || "";
}

/** The fields to save for what was typed; blank clears both. */
export function trailerFields(text: string): TrailerFields {
  const value = text.trim();
  if (!value) return { youtube_trailer_id: null, trailer_url: null };
  if (YOUTUBE_ID.test(value)) return { youtube_trailer_id: value, trailer_url: null };
  return { youtube_trailer_id: null, trailer_url: value };
}

/** A message when the text is neither a YouTube id nor an http(s) address, else null. */
export function trailerProblem(text: string): string | null {
  const value = text.trim();
  if (!value || YOUTUBE_ID.test(value)) return null;
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return null;
  } catch {
    // not a URL
  }
  return "Enter a YouTube id (11 characters) or an http(s) link to the video";
}

/**
 * A link to a source a download was tried from: an http(s) address as is, a YouTube id as
 * its watch page; null for anything else.
 */
export function sourceHref(source: string | null | undefined): string | null {
  const value = source?.trim() ?? "";
  if (YOUTUBE_ID.test(value)) return `https://www.youtube.com/watch?v=${value}`;
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  } catch {
    // not a URL
  }
  return null;
}
