import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { errorMessage } from "../api/client";
import type { Profile } from "../api/types";
import { ConfirmDialog, Modal } from "../components/Modal";
import { NEW_PROFILE, ProfileForm, valuesFromProfile } from "../components/ProfileForm";
import { Empty, ErrorState, Loading } from "../components/States";
import {
  useCreateProfile,
  useDeleteProfile,
  useProfiles,
  useUpdateProfile,
} from "../hooks/queries/profiles";
import { useConnections } from "../hooks/queries/connections";
import { useTitle } from "../lib/hooks";

/** The connections a profile can be limited to (none while they load or fail). */
function useConnectionChoices() {
  return (useConnections().data ?? []).map((c) => ({ id: c.id, name: c.name }));
}

function CreateProfileDialog({ onClose }: { onClose: () => void }) {
  const create = useCreateProfile();
  const connections = useConnectionChoices();
  return (
    <Modal title="New profile" onClose={onClose}>
      <ProfileForm
        initial={NEW_PROFILE}
        submitLabel="Create profile"
        connections={connections}
        onCancel={onClose}
        onSave={async (body) => {
          await create.mutateAsync(body);
          onClose();
        }}
      />
    </Modal>
  );
}

function EditProfileDialog({ profile, onClose }: { profile: Profile; onClose: () => void }) {
  const save = useUpdateProfile(profile.id);
  const connections = useConnectionChoices();
  return (
    <Modal title={`Edit ${profile.name}`} onClose={onClose}>
      <ProfileForm
        initial={valuesFromProfile(profile)}
        submitLabel="Save profile"
        connections={connections}
        onCancel={onClose}
        onSave={async (body) => {
          await save.mutateAsync(body);
          onClose();
        }}
      />
    </Modal>
  );
}

function DeleteProfileDialog({ profile, onClose }: { profile: Profile; onClose: () => void }) {
  const remove = useDeleteProfile();
  return (
    <ConfirmDialog
      title="Delete profile"
      message={
        <p>
          Delete the profile <strong>{profile.name}</strong>? Downloads made with it keep their
          record and show the profile as deleted.
        </p>
      }
      confirmLabel="Delete"
      danger
      busy={remove.isPending}
      error={remove.isError ? errorMessage(remove.error) : null}
      onConfirm={() => remove.mutate(profile.id, { onSuccess: onClose })}
      onCancel={onClose}
    />
  );
}

export function ProfilesPage() {
  useTitle("Profiles");
  const profiles = useProfiles();
  const [params, setParams] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const [toDelete, setToDelete] = useState<Profile | null>(null);

  const editId = Number(params.get("edit"));
  const editing = profiles.data?.find((p) => p.id === editId) ?? null;
  const closeEdit = () => {
    const next = new URLSearchParams(params);
    next.delete("edit");
    setParams(next, { replace: true });
  };

  const sorted = [...(profiles.data ?? [])].sort(
    (a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.name.localeCompare(b.name),
  );

  return (
    <section className="page">
      <header className="page-header">
        <h1>Trailer profiles</h1>
        <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
          New profile
        </button>
      </header>
      {profiles.error ? (
        <ErrorState error={profiles.error} onRetry={() => void profiles.refetch()} />
      ) : !profiles.data ? (
        <Loading label="Loading profiles" />
      ) : sorted.length === 0 ? (
        <Empty>No profile yet. Create one to download trailers.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Trailer profiles, highest priority first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Enabled</th>
                <th scope="col" className="num">
                  Priority
                </th>
                <th scope="col">Container</th>
                <th scope="col">Video</th>
                <th scope="col">Audio</th>
                <th scope="col">Subtitles</th>
                <th scope="col">File name</th>
                <th scope="col" className="cell-actions">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((p) => (
                <tr key={p.id} id={`profile-${p.id}`} data-profile-id={p.id}>
                  <td>{p.name}</td>
                  <td>{p.enabled === false ? "No" : "Yes"}</td>
                  <td className="num">{p.priority}</td>
                  <td>{p.file_format}</td>
                  <td>
                    {p.video_format} ≤{p.video_resolution}p
                  </td>
                  <td>{p.audio_format}</td>
                  <td>
                    {p.subtitles_enabled
                      ? `${p.subtitles_languages} (${p.subtitles_format})`
                      : "off"}
                  </td>
                  <td className="cell-file">{p.file_name}</td>
                  <td className="cell-actions">
                    <div className="actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={`Edit ${p.name}`}
                        onClick={() => setParams({ edit: String(p.id) }, { replace: true })}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        aria-label={`Delete ${p.name}`}
                        onClick={() => setToDelete(p)}
                      >
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && <CreateProfileDialog onClose={() => setCreating(false)} />}
      {editing && <EditProfileDialog key={editing.id} profile={editing} onClose={closeEdit} />}
      {profiles.data && params.get("edit") && !editing && (
        <p className="form-error" role="alert">
          Profile #{params.get("edit")} does not exist any more.
        </p>
      )}
      {toDelete && <DeleteProfileDialog profile={toDelete} onClose={() => setToDelete(null)} />}
    </section>
  );
}
