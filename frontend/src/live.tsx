import {
  createContext,
  useContext,
  useEffect,
  useEffectEvent,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import type { LiveMessage } from "./api/types";

type Listener = (message: LiveMessage) => void;

interface LiveContextValue {
  connected: boolean;
  subscribe: (listener: Listener) => () => void;
}

const LiveContext = createContext<LiveContextValue>({
  connected: false,
  subscribe: () => () => undefined,
});

function socketUrl(): string {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}/ws`;
}

/** Parse one websocket frame; anything that is not a message object is ignored. */
export function parseLiveMessage(raw: unknown): LiveMessage | null {
  if (typeof raw !== "string") return null;
  try {
    const value = JSON.parse(raw) as Partial<LiveMessage>;
    if (!value || typeof value !== "object" || typeof value.message !== "string") return null;
    const type = value.type ?? "Info";
    if (!["Info", "Success", "Error", "Queue"].includes(type)) return null;
    const out: LiveMessage = { type, message: value.message };
    if (typeof value.media_id === "number") out.media_id = value.media_id;
    if (typeof value.removed === "number") out.removed = value.removed;
    const item = value.item;
    if (item && typeof item === "object" && typeof item.id === "number") {
      out.item = item;
      out.media_id = item.media_id;
    }
    return out;
  } catch {
    return null;
  }
}

/** One websocket to /ws for the signed-in app, reconnecting with a growing delay. */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [connected, setConnected] = useState(false);
  const listeners = useRef(new Set<Listener>());

  useEffect(() => {
    if (typeof WebSocket === "undefined") return;
    let socket: WebSocket | null = null;
    let timer: number | undefined;
    let delay = 1000;
    let stopped = false;

    const connect = () => {
      socket = new WebSocket(socketUrl());
      socket.onopen = () => {
        delay = 1000;
        setConnected(true);
      };
      socket.onmessage = (event: MessageEvent) => {
        const message = parseLiveMessage(event.data);
        if (message) for (const listener of listeners.current) listener(message);
      };
      socket.onclose = () => {
        setConnected(false);
        if (stopped) return;
        timer = window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 15000);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      socket?.close();
    };
  }, []);

  const value = useMemo<LiveContextValue>(
    () => ({
      connected,
      subscribe(listener) {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [connected],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveContextValue {
  return useContext(LiveContext);
}

/** Call `listener` for every live message while the component is shown. */
export function useLiveMessages(listener: Listener): void {
  const { subscribe } = useLive();
  const onMessage = useEffectEvent(listener);
  useEffect(() => subscribe((m) => onMessage(m)), [subscribe]);
}
