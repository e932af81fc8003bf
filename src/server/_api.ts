/**
 * The JSON API under `/api/v1`. Every route calls the same service method as
 * the matching CLI command and answers with what it returns, so the API and
 * the CLI agree by construction.
 *
 * @module
 */
import { Hono } from "hono";
import { LabosError, quote } from "../errors.ts";
import { renderLineageSvg } from "../plots/mod.ts";
import { CreateExperimentRequest, type Lab, parseAuditTarget } from "../service/mod.ts";
import { parseOrThrow } from "../validation.ts";
import type { HeadCache } from "./_cache.ts";
import { toCsv } from "./_csv.ts";
import { parseFormBody, parseJsonBody, wholeNumberParam } from "./_errors.ts";
import type { ServerEnv } from "./_state.ts";

/** What the import route reads besides the file. */
export interface ImportFields {
  /** Dataset title. */
  title?: string;
  /** Experiment to link. */
  experimentId?: string;
  /** `column=unit` entries. */
  units?: string[];
  /** Read `1,5` as 1.5. */
  decimalComma?: boolean;
  /** The delimiter. */
  delimiter?: string;
}

/**
 * Reads the import options from form fields or query parameters.
 *
 * @example
 * ```ts
 * import { importFields } from "./_api.ts";
 * const fields = importFields((name) => ({ units: "t=s, c=M", decimalComma: "on" } as Record<string, string>)[name]);
 * console.assert(fields.units?.length === 2 && fields.decimalComma === true);
 * ```
 */
export function importFields(get: (name: string) => string | undefined): ImportFields {
  const blank = (value: string | undefined) =>
    value === undefined || value.trim() === "" ? undefined : value.trim();
  const units = blank(get("units"))?.split(/[\n,]+/).map((u) => u.trim()).filter(Boolean);
  const decimalComma = blank(get("decimalComma"));
  return {
    title: blank(get("title")),
    experimentId: blank(get("experimentId")),
    units,
    decimalComma: decimalComma === undefined
      ? undefined
      : ["1", "true", "on", "yes"].includes(decimalComma),
    delimiter: get("delimiter") === "\\t" ? "\t" : blank(get("delimiter")),
  };
}

/**
 * Builds the `/api/v1` routes (health is mounted separately, before the token check).
 *
 * @example
 * ```ts
 * import { openLab } from "../service/mod.ts";
 * import { HeadCache } from "./_cache.ts";
 * import { apiRoutes } from "./_api.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const response = await apiRoutes(lab, new HeadCache(lab)).request("/modules");
 * console.assert(response.status === 200);
 * ```
 */
export function apiRoutes(lab: Lab, cache: HeadCache): Hono<ServerEnv> {
  const api = new Hono<ServerEnv>();

  api.get("/status", async (c) => c.json(await lab.status()));

  api.get("/experiments", async (c) => {
    const q = c.req.query();
    return c.json(
      await lab.listExperiments({
        status: q.status || undefined,
        tag: q.tag || undefined,
        limit: wholeNumberParam("limit", q.limit),
        offset: wholeNumberParam("offset", q.offset),
      }),
    );
  });

  api.post("/experiments", async (c) => {
    const body = parseOrThrow(
      CreateExperimentRequest,
      await parseJsonBody(c.req.raw),
      "Invalid experiment",
    );
    return c.json(await lab.createExperiment(body), 201);
  });

  api.get("/experiments/:id", async (c) => c.json(await lab.getExperiment(c.req.param("id"))));

  api.post("/experiments/:id/transition", async (c) => {
    const body = await parseJsonBody(c.req.raw) as { to?: unknown; reason?: unknown };
    return c.json(await lab.transitionExperiment(c.req.param("id"), body));
  });

  api.get("/modules", async (c) => c.json(await lab.listModules()));
  api.get("/modules/:key", async (c) => c.json(await lab.getModule(c.req.param("key"))));

  api.post("/runs", async (c) => {
    // The service parses the run request, once.
    const result = await lab.run(await parseJsonBody(c.req.raw));
    return c.json(result, result.job.status === "failed" ? 422 : 201);
  });

  api.get("/jobs", async (c) => {
    const q = c.req.query();
    return c.json(
      await lab.listJobs({
        status: q.status || undefined,
        module: q.module || undefined,
        experimentId: q.experiment || q.experimentId || undefined,
        limit: wholeNumberParam("limit", q.limit),
        offset: wholeNumberParam("offset", q.offset),
      }),
    );
  });

  api.get("/jobs/:id", async (c) => c.json(await lab.getJob(c.req.param("id"))));

  api.get("/jobs/:id/plot.svg", async (c) => {
    const id = c.req.param("id");
    const svg = await lab.jobPlotSvg(id);
    if (svg === undefined) {
      throw new LabosError(
        "not_found",
        `Job ${quote(id)} has no plot: it failed, or its module draws none`,
      );
    }
    return svgResponse(svg);
  });

  api.post("/jobs/:id/retry", async (c) => {
    const result = await lab.retryJob(c.req.param("id"));
    return c.json(result, result.job.status === "failed" ? 422 : 201);
  });

  api.post("/jobs/:id/rerun-check", async (c) => c.json(await lab.checkRerun(c.req.param("id"))));

  api.get("/datasets", async (c) => {
    const q = c.req.query();
    return c.json(
      await lab.listDatasets({
        kind: q.kind || undefined,
        experimentId: q.experiment || q.experimentId || undefined,
        limit: wholeNumberParam("limit", q.limit),
        offset: wholeNumberParam("offset", q.offset),
      }),
    );
  });

  api.post("/datasets/import", async (c) => {
    const type = c.req.header("content-type") ?? "";
    let fileName: string | undefined;
    let bytes: Uint8Array;
    let fields: ImportFields;
    if (type.startsWith("multipart/form-data")) {
      const form = await parseFormBody(() => c.req.parseBody());
      const file = form.file;
      if (!(file instanceof File)) {
        throw new LabosError("invalid", `The form has no "file" field: attach a CSV file`, {
          issues: [{ path: "file", message: "is required" }],
        });
      }
      fileName = file.name || undefined;
      bytes = new Uint8Array(await file.arrayBuffer());
      fields = importFields((name) =>
        typeof form[name] === "string" ? form[name] as string : undefined
      );
    } else {
      bytes = new Uint8Array(await c.req.arrayBuffer());
      fields = importFields((name) => c.req.query(name));
      fileName = c.req.query("fileName");
    }
    if (fileName === undefined || fileName.trim() === "") {
      throw new LabosError(
        "invalid",
        `"fileName" is required: name the file, e.g. ?fileName=run1.csv`,
        {
          issues: [{ path: "fileName", message: "is required" }],
        },
      );
    }
    return c.json(await lab.importCsv({ fileName, bytes, ...fields }), 201);
  });

  api.get("/datasets/:id", async (c) => c.json(await lab.getDataset(c.req.param("id"))));
  api.get(
    "/datasets/:id/lineage",
    async (c) => c.json(await lab.datasetLineage(c.req.param("id"))),
  );
  api.get(
    "/datasets/:id/lineage.svg",
    async (c) => svgResponse(renderLineageSvg(await lab.datasetLineage(c.req.param("id")))),
  );

  api.get("/datasets/:id/download", async (c) => {
    const dataset = await lab.getDataset(c.req.param("id"));
    if (dataset.table) {
      return new Response(toCsv(dataset.table), {
        headers: {
          "Content-Type": "text/csv; charset=utf-8",
          "Content-Disposition": `attachment; filename="${dataset.id}.csv"`,
        },
      });
    }
    return new Response(`${JSON.stringify(dataset, null, 2)}\n`, {
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="${dataset.id}.json"`,
      },
    });
  });

  api.get("/audit", async (c) => {
    const q = c.req.query();
    const target = parseAuditTarget(q.target);
    return c.json(
      await lab.listAudit({
        actor: q.actor || undefined,
        action: q.action || undefined,
        targetType: target?.type,
        targetId: target?.id,
        since: q.since || undefined,
        limit: wholeNumberParam("limit", q.limit),
        offset: wholeNumberParam("offset", q.offset),
      }),
    );
  });

  api.get("/audit/head", async (c) => c.json(await lab.auditHead()));

  api.post("/audit/verify", async (c) => c.json((await cache.verify()).result));

  return api;
}

function svgResponse(svg: string): Response {
  return new Response(svg, {
    headers: {
      "Content-Type": "image/svg+xml; charset=utf-8",
      "Cache-Control": "private, max-age=60",
    },
  });
}
