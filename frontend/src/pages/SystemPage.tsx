import { NavLink, Outlet } from "react-router-dom";

const SECTIONS = [
  { to: "/system", label: "Status", end: true },
  { to: "/system/tasks", label: "Tasks", end: false },
  { to: "/system/backup", label: "Backup", end: false },
  { to: "/system/logs", label: "Logs", end: false },
] as const;

/** System, as in Radarr: the app's status, its scheduled tasks, backups and logs. */
export function SystemPage() {
  return (
    <section className="page">
      <h1>System</h1>
      <nav className="subnav" aria-label="System sections">
        {SECTIONS.map((section) => (
          <NavLink key={section.to} to={section.to} end={section.end}>
            {section.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </section>
  );
}
