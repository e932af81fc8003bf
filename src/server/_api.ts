/**
 * The JSON API under `/api/v1`, one sub-app per resource. Every route hands
 * the request to the same service method as the matching CLI command and
 * answers with what it returns, so the API and the CLI agree by
 * construction; errors go to the app's `onError`.
 *
 * @module
 */
import { Hono, type HonoRequest } from "hono";
import { LabosError, quote } from "../errors.ts";
import { renderLineageSvg } from "../plots/mod.ts";
import {
  type CreateExperimentInput,
  parseAuditTarget,
  type RunRequest,
  type SignRequest,
} from "../service/mod.ts";
import { attachUpload, downloadResponse } from "./_attachments.ts";
import { toCsv } from "./_csv.ts";
import {
  type ImportFields,
  importFields,
  parseFormBody,
  parseJsonBody,
  wholeNumberParam,
} from "./_input.ts";
import type { ServerEnv } from "./_state.ts";

/** `limit` and `offset` of a list query. */
function paging(q: Record<string, string>): { limit?: number; offset?: number } {
  return {
    limit: wholeNumberParam("limit", q.limit),
    offset: wholeNumberParam("offset", q.offset),
  };
}

function svgResponse(svg: string): Response {
  return new Response(svg, {
    headers: {
      "Content-Type": "image/svg+xml; charset=utf-8",
      "Cache-Control": "private, max-age=60",
    },
  });
}

function attachment(body: string, options: { type: string; fileName: string }): Response {
  return new Response(body, {
    headers: {
      "Content-Type": options.type,
      "Content-Disposition": `attachment; filename="${options.fileName}"`,
    },
  });
}

const experiments = new Hono<ServerEnv>()
  .get("/", async (c) => {
    const q = c.req.query();
    return c.json(
      await c.var.lab.listExperiments({
        status: q.status || undefined,
        tag: q.tag || undefined,
        ...paging(q),
      }),
    );
  })
  .post("/", async (c) => {
    // The service parses the request, once.
    const body = await parseJsonBody(c.req.raw) as CreateExperimentInput;
    return c.json(await c.var.lab.createExperiment(body), 201);
  })
  .get("/:id", async (c) => c.json(await c.var.lab.getExperiment(c.req.param("id"))))
  .patch("/:id", async (c) => {
    const body = await parseJsonBody(c.req.raw);
    return c.json(await c.var.lab.editExperiment(c.req.param("id"), body));
  })
  .post("/:id/transition", async (c) => {
    const body = await parseJsonBody(c.req.raw) as { to?: unknown; reason?: unknown };
    return c.json(await c.var.lab.transitionExperiment(c.req.param("id"), body));
  })
  .get("/:id/plan", async (c) => c.json(await c.var.lab.experimentPlan(c.req.param("id"))))
  .post("/:id/run-plan", async (c) => {
    const body = await parseJsonBody(c.req.raw) as { steps?: string[]; params?: string[] };
    const result = await c.var.lab.runPlan(c.req.param("id"), {
      steps: body.steps,
      params: body.params,
    });
    const failed = result.runs.some(({ result: run }) => run.job.status === "failed");
    return c.json(result, failed ? 422 : 201);
  })
  .post("/:id/share", async (c) => {
    const body = await parseJsonBody(c.req.raw);
    return c.json(await c.var.lab.shareExperiment(c.req.param("id"), body));
  })
  .get("/:id/signatures", async (c) => c.json(await c.var.lab.listSignatures(c.req.param("id"))))
  .post("/:id/signatures", async (c) => {
    const body = await parseJsonBody(c.req.raw);
    return c.json(await c.var.lab.sign(c.req.param("id"), body as SignRequest), 201);
  })
  .get("/:id/attachments", async (c) => c.json(await c.var.lab.listAttachments(c.req.param("id"))))
  .post("/:id/attachments", async (c) => c.json(await attachUpload(c, c.req.param("id")), 201));

const attachments = new Hono<ServerEnv>()
  .get("/:id", async (c) => c.json(await c.var.lab.getAttachment(c.req.param("id"))))
  .get("/:id/download", async (c) => {
    const { attachment, body } = await c.var.lab.readAttachment(c.req.param("id"));
    return downloadResponse(attachment, body);
  });

const templates = new Hono<ServerEnv>()
  .get("/", async (c) =>
    c.json(
      (await c.var.lab.listTemplates()).map((entry) => ({
        ...entry.template,
        source: entry.source,
      })),
    ))
  .get("/:key", async (c) => {
    const entry = await c.var.lab.getTemplate(c.req.param("key"));
    return c.json({ ...entry.template, source: entry.source });
  })
  .post("/:key/assign", async (c) => {
    const body = await parseJsonBody(c.req.raw) as { to: string[]; reason?: string };
    return c.json(await c.var.lab.assign(c.req.param("key"), body), 201);
  });

const modules = new Hono<ServerEnv>()
  .get("/", async (c) => c.json(await c.var.lab.listModules()))
  .get("/:key", async (c) => c.json(await c.var.lab.getModule(c.req.param("key"))));

const runs = new Hono<ServerEnv>()
  .post("/", async (c) => {
    // Lab.run parses the request with RunRequestSchema.
    const body = await parseJsonBody(c.req.raw) as RunRequest;
    const result = await c.var.lab.run(body);
    return c.json(result, result.job.status === "failed" ? 422 : 201);
  });

const jobs = new Hono<ServerEnv>()
  .get("/", async (c) => {
    const q = c.req.query();
    return c.json(
      await c.var.lab.listJobs({
        status: q.status || undefined,
        module: q.module || undefined,
        experimentId: q.experiment || q.experimentId || undefined,
        ...paging(q),
      }),
    );
  })
  .get("/:id", async (c) => c.json(await c.var.lab.getJob(c.req.param("id"))))
  .get("/:id/plot.svg", async (c) => {
    const id = c.req.param("id");
    const svg = await c.var.lab.jobPlotSvg(id);
    if (svg === undefined) {
      throw new LabosError(
        "not_found",
        `Job ${quote(id)} has no plot: it failed, or its module draws none`,
      );
    }
    return svgResponse(svg);
  })
  .post("/:id/retry", async (c) => {
    const result = await c.var.lab.retryJob(c.req.param("id"));
    return c.json(result, result.job.status === "failed" ? 422 : 201);
  })
  .post("/:id/rerun-check", async (c) => c.json(await c.var.lab.checkRerun(c.req.param("id"))))
  .post("/:id/void", async (c) => {
    const body = await parseJsonBody(c.req.raw) as { reason?: string };
    return c.json(await c.var.lab.voidJob(c.req.param("id"), body));
  });

/** The file and fields of an import request, multipart or raw bytes with query fields. */
interface ImportUpload extends ImportFields {
  fileName: string | undefined;
  bytes: Uint8Array;
}

async function readMultipartUpload(request: HonoRequest): Promise<ImportUpload> {
  const form = await parseFormBody(() => request.parseBody());
  const file = form.file;
  if (!(file instanceof File)) {
    throw new LabosError("invalid", `The form has no "file" field: attach a CSV file`, {
      issues: [{ path: "file", message: "is required" }],
    });
  }
  return {
    fileName: file.name || undefined,
    bytes: new Uint8Array(await file.arrayBuffer()),
    ...importFields((name) => typeof form[name] === "string" ? form[name] as string : undefined),
  };
}

const datasets = new Hono<ServerEnv>()
  .get("/", async (c) => {
    const q = c.req.query();
    return c.json(
      await c.var.lab.listDatasets({
        kind: q.kind || undefined,
        experimentId: q.experiment || q.experimentId || undefined,
        ...paging(q),
      }),
    );
  })
  .post("/import", async (c) => {
    const upload = (c.req.header("content-type") ?? "").startsWith("multipart/form-data")
      ? await readMultipartUpload(c.req)
      : {
        bytes: new Uint8Array(await c.req.arrayBuffer()),
        ...importFields((name) => c.req.query(name)),
        fileName: c.req.query("fileName"),
      };
    const { fileName, ...rest } = upload;
    if (fileName === undefined || fileName.trim() === "") {
      throw new LabosError(
        "invalid",
        `"fileName" is required: name the file, e.g. ?fileName=run1.csv`,
        { issues: [{ path: "fileName", message: "is required" }] },
      );
    }
    return c.json(await c.var.lab.importCsv({ fileName, ...rest }), 201);
  })
  .post(
    "/collect",
    async (c) => c.json(await c.var.lab.collectJobs(await parseJsonBody(c.req.raw)), 201),
  )
  .get("/:id", async (c) => c.json(await c.var.lab.getDataset(c.req.param("id"))))
  .get("/:id/lineage", async (c) => c.json(await c.var.lab.datasetLineage(c.req.param("id"))))
  .get(
    "/:id/lineage.svg",
    async (c) => svgResponse(renderLineageSvg(await c.var.lab.datasetLineage(c.req.param("id")))),
  )
  .get("/:id/download", async (c) => {
    const dataset = await c.var.lab.getDataset(c.req.param("id"));
    return dataset.table
      ? attachment(toCsv(dataset.table), {
        type: "text/csv; charset=utf-8",
        fileName: `${dataset.id}.csv`,
      })
      : attachment(`${JSON.stringify(dataset, null, 2)}\n`, {
        type: "application/json; charset=utf-8",
        fileName: `${dataset.id}.json`,
      });
  });

const audit = new Hono<ServerEnv>()
  .get("/", async (c) => {
    const q = c.req.query();
    const target = parseAuditTarget(q.target);
    return c.json(
      await c.var.lab.listAudit({
        actor: q.actor || undefined,
        action: q.action || undefined,
        targetType: target?.type,
        targetId: target?.id,
        since: q.since || undefined,
        ...paging(q),
      }),
    );
  })
  .get("/head", async (c) => c.json(await c.var.lab.auditHead()))
  .post("/verify", async (c) => c.json((await c.var.cache.verify()).result));

function gradebookQuery(q: Record<string, string>): { template?: string } {
  return { template: q.template || undefined };
}

function distributionQuery(
  q: Record<string, string>,
): { template?: string; step?: string; field?: string } {
  return {
    template: q.template || undefined,
    step: q.step || undefined,
    field: q.field || undefined,
  };
}

const gradebook = new Hono<ServerEnv>()
  .get("/", async (c) => c.json(await c.var.lab.gradebook(gradebookQuery(c.req.query()))))
  .get("/csv", async (c) => {
    const query = gradebookQuery(c.req.query());
    return attachment(await c.var.lab.gradebookCsv(query), {
      type: "text/csv; charset=utf-8",
      fileName: query.template ? `gradebook-${query.template}.csv` : "gradebook.csv",
    });
  })
  .get(
    "/distribution",
    async (c) => c.json(await c.var.lab.gradebookDistribution(distributionQuery(c.req.query()))),
  )
  .get("/distribution.svg", async (c) => {
    const spread = await c.var.lab.gradebookDistribution(distributionQuery(c.req.query()));
    // It changes with every run a student makes: never cached.
    return new Response(spread.svg, {
      headers: { "Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "no-store" },
    });
  });

/**
 * The `/api/v1` sub-app (health is mounted separately, before the token check).
 * It reads the service from `c.var`, so it runs behind `labContext`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Hono, type HonoRequest } from "hono";
 * import { openLab } from "../service/mod.ts";
 * import { api } from "./_api.ts";
 * import { HeadCache } from "./_cache.ts";
 * import { labContext } from "./_context.ts";
 * import type { ServerEnv } from "./_state.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const app = new Hono<ServerEnv>()
 *   .use(labContext({ lab, cache: new HeadCache(lab), token: "t" }))
 *   .route("/api/v1", api);
 * assert.equal((await app.request("/api/v1/modules")).status, 200);
 * ```
 */
export const api: Hono<ServerEnv> = new Hono<ServerEnv>()
  .get("/status", async (c) => c.json(await c.var.lab.status()))
  .route("/experiments", experiments)
  .route("/templates", templates)
  .route("/modules", modules)
  .route("/runs", runs)
  .route("/jobs", jobs)
  .route("/datasets", datasets)
  .route("/attachments", attachments)
  .route("/audit", audit)
  .route("/gradebook", gradebook);
