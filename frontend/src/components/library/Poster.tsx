import { useState } from "react";
import type { Media } from "../../api/types";
import { posterUrl } from "../../hooks/queries/media";

/** The media's poster from the app's cache, or a neutral placeholder when it has none. */
export function Poster({ media, size = "small" }: { media: Media; size?: "small" | "large" }) {
  // Only media with a poster address (synced from Radarr/Sonarr) have one to serve.
  const src = media.poster_url
    ? `${posterUrl(media.id)}?v=${encodeURIComponent(media.updated_at)}`
    : null;
  return <PosterImage key={src ?? "none"} src={src} title={media.title} size={size} />;
}

function PosterImage({
  src,
  title,
  size,
}: {
  src: string | null;
  title: string;
  size: "small" | "large";
}) {
  const [failed, setFailed] = useState(false);
  if (!src || failed) {
    return (
      <span className={`poster poster-${size} poster-empty`} data-poster="none" aria-hidden="true">
        {title.trim().charAt(0).toUpperCase()}
      </span>
    );
  }
  return (
    <img
      className={`poster poster-${size}`}
      src={src}
      alt=""
      loading="lazy"
      decoding="async"
      data-poster="image"
      onError={() => setFailed(true)}
    />
  );
}
