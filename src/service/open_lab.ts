import { LabosError, quote } from "../errors.ts";
import type { ModuleRegistry } from "../modules/registry.ts";
import type { LabStorage } from "../storage/mod.ts";
import type { TemplateCatalog } from "../templates/mod.ts";
import { DEFAULT_ATTACHMENT_MAX_BYTES } from "./_attachments.ts";
import {
  type DatasetLimits,
  DEFAULT_ACCOUNT_SETTINGS,
  DEFAULT_DATASET_LIMITS,
  type ScryptCost,
} from "./_context.ts";
import { checkPrincipal, localPrincipal, type Principal, stampedStorage } from "./_principal.ts";
import type { DisplayOptions } from "./_display.ts";
import { Lab } from "./_lab.ts";
import type { StoreOptions } from "./_store.ts";
import { openStorage } from "./_open_storage.ts";

/** Options for {@linkcode openLab}. */
export interface OpenLabOptions {
  /** The data folder. Ignored when `store` or `storage` is given. */
  dataDir: string;
  /**
   * A PostgreSQL store's URL (`postgres://` or `postgresql://`) instead of the
   * data folder; its driver loads on first use. Ignored when `storage` is given.
   */
  store?: string;
  /** How to connect to `store`. */
  storeOptions?: StoreOptions;
  /** Who is acting, recorded in every audit event. */
  actor: string;
  /** Who is acting, with role and how established. Default: `actor`, role and auth `local`. */
  principal?: Principal;
  /** How long a login session lasts, in hours (`server.sessionHours`). Default: 12. */
  sessionHours?: number;
  /** The scrypt cost of new password verifiers; lower it only in tests. Default: N = 2^15, r = 8, p = 1. */
  scryptCost?: ScryptCost;
  /** The clock, for tests. Default: `() => new Date()`. */
  now?: () => Date;
  /** The modules that can run, or how to load them. Default: the built-in modules, loaded on first use. */
  modules?: ModuleRegistry | (() => Promise<ModuleRegistry>);
  /** The experiment templates, or how to load them. Default: the built-in templates, loaded on first use. */
  templates?: TemplateCatalog | (() => Promise<TemplateCatalog>);
  /** The storage. Default: the store `store`, else the data folder `dataDir`. */
  storage?: LabStorage;
  /** The size limits of an imported dataset. Default: {@linkcode DEFAULT_DATASET_LIMITS}. */
  datasetLimits?: Partial<DatasetLimits>;
  /** How results are shown (see `displayOptions`). Default: 4 significant figures. */
  display?: DisplayOptions;
  /** The largest attached file, in bytes (`attachments.maxBytes`). Default: 100 MiB. */
  attachmentMaxBytes?: number;
}

/**
 * The composition root: builds the storage (the PostgreSQL store of a
 * `postgres://` URL, loaded on first use, else the data folder, unless a
 * storage is given), the lazily loaded module registry and templates, and
 * the `Lab` over them; `Lab.close()` releases the store's connections. The CLI, the control panel and library users all open a lab
 * here. Nothing is read or written until a method is called.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "./open_lab.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const experiment = await lab.createExperiment({ title: "Calorimetry" });
 * assert.deepEqual(experiment.status, "draft");
 * ```
 */
export function openLab(options: OpenLabOptions): Lab {
  const now = options.now ?? (() => new Date());
  const hours = options.sessionHours;
  if (hours !== undefined && !(Number.isFinite(hours) && hours > 0)) {
    throw new LabosError(
      "invalid",
      `Invalid "sessionHours": expected a positive number of hours: current value is ${
        quote(hours)
      }`,
    );
  }
  const attachmentMaxBytes = options.attachmentMaxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  if (!(Number.isSafeInteger(attachmentMaxBytes) && attachmentMaxBytes >= 1)) {
    throw new LabosError(
      "invalid",
      `Invalid "attachments.maxBytes": expected a whole number of bytes, at least 1: current value is ${
        quote(attachmentMaxBytes)
      }`,
    );
  }
  const principal = options.principal === undefined
    ? localPrincipal(options.actor)
    : checkPrincipal(options.principal);
  const storage = stampedStorage(
    options.storage ??
      openStorage({
        dataDir: options.dataDir,
        store: options.store,
        storeOptions: options.storeOptions,
        now,
      }),
    principal,
  );
  return new Lab({
    storage,
    actor: principal.actor,
    principal,
    accounts: {
      scrypt: options.scryptCost ?? DEFAULT_ACCOUNT_SETTINGS.scrypt,
      sessionHours: options.sessionHours ?? DEFAULT_ACCOUNT_SETTINGS.sessionHours,
    },
    now,
    datasetLimits: {
      maxBytes: options.datasetLimits?.maxBytes ?? DEFAULT_DATASET_LIMITS.maxBytes,
      maxCells: options.datasetLimits?.maxCells ?? DEFAULT_DATASET_LIMITS.maxCells,
    },
    attachmentMaxBytes,
    modules: once(
      options.modules,
      async () => (await import("../modules/mod.ts")).builtinRegistry(),
    ),
    templates: once(
      options.templates,
      async () => new (await import("../templates/mod.ts")).TemplateCatalog(),
    ),
  }, { display: options.display });
}

function once<T extends object>(
  given: T | (() => Promise<T>) | undefined,
  fallback: () => Promise<T>,
): () => Promise<T> {
  if (given !== undefined && typeof given !== "function") {
    return () => Promise.resolve(given);
  }
  const load = (given as (() => Promise<T>) | undefined) ?? fallback;
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    loaded.catch(() => (loaded = undefined));
    return loaded;
  };
}
