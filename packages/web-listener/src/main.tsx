import { render } from "solid-js/web";
import { App } from "./App.tsx";
import "@livetranslate/core/client/theme.css";
import "./styles.css";

render(() => <App location={window.location} />, document.getElementById("root")!);
