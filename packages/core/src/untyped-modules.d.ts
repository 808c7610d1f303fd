// Packages that ship no type declarations: the part of their API this project uses.
declare module "get-mp3-duration" {
  /** Duration of an MP3 in milliseconds. */
  export default function getMp3Duration(buffer: Buffer): number;
}
