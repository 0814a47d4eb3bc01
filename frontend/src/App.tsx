import { Link, Route, Routes } from "react-router-dom";
import { AuthProvider, RequireAuth } from "./auth";
import { BackupPanel } from "./components/system/BackupPanel";
import { Layout } from "./components/Layout";
import { LogsPanel } from "./components/system/LogsPanel";
import { StatusPanel } from "./components/system/StatusPanel";
import { TasksPanel } from "./components/TasksPanel";
import { LiveInvalidation } from "./hooks/queries/live";
import { LiveProvider } from "./live";
import { ActivityPage } from "./pages/ActivityPage";
import { AuthPage } from "./pages/AuthPage";
import { HistoryPage } from "./pages/HistoryPage";
import { LibraryPage } from "./pages/LibraryPage";
import { MediaPage } from "./pages/MediaPage";
import { ProfilesPage } from "./pages/ProfilesPage";
import { SettingsPage } from "./pages/SettingsPage";
import { StatsPage } from "./pages/StatsPage";
import { SystemPage } from "./pages/SystemPage";
import { WantedPage } from "./pages/WantedPage";

function NotFound() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the library</Link>
      </p>
    </section>
  );
}

export function App() {
  return (
    <AuthProvider>
      <Routes>
        <Route path="/login" element={<AuthPage mode="login" />} />
        <Route path="/setup" element={<AuthPage mode="setup" />} />
        <Route
          element={
            <RequireAuth>
              <LiveProvider>
                <LiveInvalidation />
                <Layout />
              </LiveProvider>
            </RequireAuth>
          }
        >
          <Route index element={<LibraryPage />} />
          <Route path="media/:id" element={<MediaPage />} />
          <Route path="activity" element={<ActivityPage />} />
          <Route path="wanted" element={<WantedPage />} />
          <Route path="history" element={<HistoryPage />} />
          <Route path="stats" element={<StatsPage />} />
          <Route path="profiles" element={<ProfilesPage />} />
          <Route path="settings" element={<SettingsPage />} />
          <Route path="system" element={<SystemPage />}>
            <Route index element={<StatusPanel />} />
            <Route path="tasks" element={<TasksPanel />} />
            <Route path="backup" element={<BackupPanel />} />
            <Route path="logs" element={<LogsPanel />} />
          </Route>
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </AuthProvider>
  );
}
