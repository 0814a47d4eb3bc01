import type { Media } from "../../api/types";
import { useCreateMedia } from "../../hooks/queries/media";
import { MediaForm } from "../MediaForm";
import { Modal } from "../Modal";

/** Add a media item by hand (POST /api/v1/media). */
export function AddMediaDialog({
  onClose,
  onAdded,
}: {
  onClose: () => void;
  onAdded: (media: Media) => void;
}) {
  const create = useCreateMedia();
  return (
    <Modal title="Add media" onClose={onClose}>
      <MediaForm
        onCancel={onClose}
        onSave={async (body) => {
          const created = await create.mutateAsync(body);
          onAdded(created);
        }}
      />
    </Modal>
  );
}
