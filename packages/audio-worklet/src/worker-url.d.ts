// Vite bundles `?worker&url` imports on their own and gives their URL (the worklet must be its own file).
declare module "*?worker&url" {
  const url: string;
  export default url;
}
