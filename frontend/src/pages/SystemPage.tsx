import { TasksPanel } from "../components/TasksPanel";

/** System: what Trailarr does on its own (the scheduled tasks). */
export function SystemPage() {
  return (
    <section className="page">
      <h1>System</h1>
      <TasksPanel />
    </section>
  );
}
