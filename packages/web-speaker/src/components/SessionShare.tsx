import QRCode from "qrcode";
import { createResource, createSignal, Show } from "solid-js";

export function SessionShare(props: { sessionId: string; url: string }) {
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
