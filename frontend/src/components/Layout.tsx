import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router-dom";
import { useAuth } from "../auth";
import { useLive } from "../live";

const LINKS = [
  { to: "/", label: "Library", end: true },
  { to: "/activity", label: "Activity", end: false },
  { to: "/wanted", label: "Wanted", end: false },
  { to: "/history", label: "History", end: false },
  { to: "/stats", label: "Stats", end: false },
  { to: "/profiles", label: "Profiles", end: false },
  { to: "/settings", label: "Settings", end: false },
  { to: "/system", label: "System", end: false },
] as const;

export function Layout() {
  const { status, logout } = useAuth();
  const { connected } = useLive();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();

  // Close the phone menu after navigating (adjusted while rendering, not in an effect).
  const [menuPath, setMenuPath] = useState(location.pathname);
  if (menuPath !== location.pathname) {
    setMenuPath(location.pathname);
    setMenuOpen(false);
  }

  // Escape closes the phone menu.
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setMenuOpen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  return (
    <div className={`app ${menuOpen ? "menu-open" : ""}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-button"
          aria-label={menuOpen ? "Close menu" : "Open menu"}
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">☰</span>
        </button>
        <NavLink to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▶
          </span>
          Trailarr
        </NavLink>
        <span className="topbar-spacer" />
        <span
          className={`live-dot ${connected ? "live-on" : "live-off"}`}
          title={connected ? "Live updates connected" : "Live updates disconnected"}
        >
          <span className="visually-hidden">
            {connected ? "Live updates connected" : "Live updates disconnected"}
          </span>
        </span>
        {status?.username && <span className="topbar-user">{status.username}</span>}
        <button type="button" className="btn btn-small" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <nav id="sidebar" className="sidebar" aria-label="Main">
        <ul>
          {LINKS.map((link) => (
            <li key={link.to}>
              <NavLink to={link.to} end={link.end}>
                {link.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
