export { SILERO_MODEL_PATH, SileroVoiceActivity } from "./silero.ts";
