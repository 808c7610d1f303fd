import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkImports } from "./import-layers.ts";

const repo = path.resolve(import.meta.dirname, "../../..");

describe("the import check", () => {
  it("passes on the repository as it is", () => {
    expect(checkImports(repo)).toEqual([]);
  });

  describe("on a copy of the packages with one import planted", () => {
    let copy: string;
    beforeAll(() => {
      copy = mkdtempSync(path.join(tmpdir(), "livetranslate-layers-"));
      cpSync(path.join(repo, "packages"), path.join(copy, "packages"), {
        recursive: true,
        filter: (source) => !/(^|\/)(node_modules|dist|\.turbo)$/.test(source),
      });
    });
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    // Each case plants in a file of its own and looks only at that file's imports.
    const plant = (file: string, line: string) => appendFileSync(path.join(copy, file), `\n${line}\n`);

    it.each([
      ["an adapter importing the pipeline", "packages/core/src/adapters/aws/metrics.ts", 'import { runSegment } from "../../streaming/pipeline/index.ts";', "packages/core/src/streaming/pipeline/index.ts", /^adapters imports only/],
      ["a port importing an adapter", "packages/core/src/ports/iam.ts", 'import type { CloudWatchMeasurements } from "../adapters/aws/metrics.ts";', "packages/core/src/adapters/aws/metrics.ts", /^base imports only/],
      ["a domain module importing streaming", "packages/core/src/domain/session/index.ts", 'import { endSession } from "../../streaming/ingest/index.ts";', "packages/core/src/streaming/ingest/index.ts", /^domain imports only/],
      ["streaming importing an adapter", "packages/core/src/streaming/segmenter/index.ts", 'import { SileroVoiceActivity } from "@livetranslate/core/adapters/vad";', "packages/core/src/adapters/vad/index.ts", /^streaming imports only/],
      ["the protocol importing Node", "packages/core/src/protocol/index.ts", 'import { readFileSync } from "node:fs";', "node:fs", /^browser-safe modules use nothing of Node/],
      ["the client importing AWS", "packages/core/src/client/index.ts", 'import { KinesisClient } from "@aws-sdk/client-kinesis";', "@aws-sdk/client-kinesis", /^browser-safe modules use only/],
      ["audio importing the ports", "packages/core/src/audio/index.ts", 'import type { AudioStore } from "../ports/index.ts";', "packages/core/src/ports/index.ts", /^browser-safe imports only/],
      ["core importing the test fixtures", "packages/core/src/log.ts", 'import { readWav } from "@livetranslate/testing/fixtures";', "packages/testing/src/fixtures.ts", /^@livetranslate\/testing is for tests/],
      ["a handler importing the test fakes", "packages/functions/src/http/api.ts", 'import { RecordingNotifier } from "@livetranslate/testing/fakes";', "packages/testing/src/fakes.ts", /^@livetranslate\/testing is for tests/],
      ["an entity importing a domain module", "packages/core/src/domain/connection/entity.ts", 'import { Session } from "../session/index.ts";', "packages/core/src/domain/session/index.ts", /^an entity imports only/],
      ["a web app importing core's domain", "packages/web-listener/src/App.tsx", 'import { Session } from "@livetranslate/core/domain/session";', "packages/core/src/domain/session/index.ts", /^the web apps import only/],
    ])("fails on %s", (_name, file, line, to, rule) => {
      // Prepare
      plant(file, line);
      // Act
      const violations = checkImports(copy).filter((v) => v.from === file);
      // Assess
      expect(violations).toEqual([{ rule: expect.stringMatching(rule), from: file, to }]);
    });

    it("still lets a test import across layers", () => {
      // Prepare
      const test = "packages/core/src/adapters/aws/metrics.test.ts";
      plant(test, 'import { runSegment } from "../../streaming/pipeline/index.ts";');
      // Act + Assess
      expect(checkImports(copy).filter((v) => v.from === test)).toEqual([]);
    });
  });
});
