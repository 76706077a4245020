import { useEffect, useId, useRef, type ReactNode } from 'react';

/** A modal confirmation on the native dialog element: focus moves in and is trapped, Escape cancels. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onCancel={(e) => {
      e.preventDefault();
      props.onCancel();
    }}>
      <h2 id={titleId}>{props.title}</h2>
      <div>{props.children}</div>
      <div className="row end">
        <button type="button" onClick={props.onCancel}>Cancel</button>
        <button type="button" className="primary" onClick={props.onConfirm} autoFocus>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
