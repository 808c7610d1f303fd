import QRCode from "qrcode";
import { createResource, createSignal, Show } from "solid-js";

/** The join link, QR code and session code; for a private session, its key too (the link and QR code carry it). */
export function SessionShare(props: { sessionId: string; url: string; joinKey?: string }) {
  const [qr] = createResource(() => props.url, (url) => QRCode.toString(url, { type: "svg", margin: 1, errorCorrectionLevel: "M" }));
  const [copied, setCopied] = createSignal(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(props.url);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <section class="panel share" aria-label="Invite listeners">
      <h2>Invite listeners</h2>
      <Show when={qr()}>
        <div class="qr" role="img" aria-label={`QR code for ${props.url}`} innerHTML={qr()} />
      </Show>
      <p class="code-label">Session code</p>
      <p class="code" aria-label="Session code">{props.sessionId}</p>
      <Show when={props.joinKey}>
        <p class="code-label">Key (private session: the code alone does not let anyone in)</p>
        <p class="code" aria-label="Key">{props.joinKey}</p>
      </Show>
      <div class="link">
        <a href={props.url} target="_blank" rel="noreferrer">
          {props.url}
        </a>
        <button type="button" onClick={() => void copy()}>
          {copied() ? "Copied" : "Copy link"}
        </button>
      </div>
    </section>
  );
}
