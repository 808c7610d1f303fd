/** Input level in dBFS-like steps, so quiet speech still moves the bar. */
export function LevelMeter(props: { level: number; active: boolean }) {
  const percent = () => {
    if (!props.active || props.level <= 0) return 0;
    const db = 20 * Math.log10(props.level);
    return Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
  };
  return (
    <div class="meter" role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(percent())}>
      <div class="meter-fill" classList={{ loud: percent() > 90 }} style={{ width: `${percent()}%` }} />
    </div>
  );
}
