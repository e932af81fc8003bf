/**
 * `labos eln import` on crates that imitate what real notebooks write.
 * Each fixture follows the example metadata the notebook published in
 * TheELNConsortium/TheELNFileFormat (examples/<notebook>/README.md), cut
 * down to the parts that matter and with our own file contents.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Lab } from "../../service/mod.ts";
import { checkEln, type ElnImport } from "./mod.ts";
import { crate, inTemp, newLab, sha, writeZip } from "./_fixtures_test.ts";

const RO = { "@id": "https://w3id.org/ro/crate/1.1" };

async function importCrate(
  dir: string,
  name: string,
  entries: Record<string, string | Uint8Array>,
): Promise<{ lab: Lab; result: ElnImport; file: string }> {
  const lab = await newLab(dir);
  const file = await writeZip(`${dir}/${name}.eln`, entries);
  return { lab, result: await lab.importEln(file), file };
}

async function attachmentsOf(lab: Lab, experimentId: string): Promise<string[]> {
  return (await lab.listAttachments(experimentId)).map((a) => a.fileName).sort();
}

// examples/elabftw/README.md, "single-experiment.eln": descriptor first, an inline
// Organization as sdPublisher, a person:// author, keywords as an array, HTML text,
// ids with spaces and no trailing slash, contentSize as a number, mentions of URL datasets.
Deno.test("eln import: eLabFTW dialect", async () => {
  await inTemp(async (dir) => {
    const folder = "./2025-03-03 - Testing-the-eLabFTW-lab-notebook - b6db898e";
    const json = '{"id":264}';
    const png = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
    const person =
      "person://a0568e4aa35eec2cf3962db57eec039a205d3b7d7c7132388af976dfaf8f2694?hash_algo=sha256";
    const graph = [
      {
        "@id": "ro-crate-metadata.json",
        "@type": "CreativeWork",
        about: { "@id": "./" },
        conformsTo: RO,
        dateCreated: "2023-10-02T15:52:01+02:00",
        sdPublisher: { "@type": "Organization", name: "eLabFTW", url: "https://www.elabftw.net" },
        version: "1.0",
      },
      {
        "@id": "https://elab.local:3148/database.php?mode=view&id=51",
        "@type": "Dataset",
        name: " - Vel debitis",
      },
      {
        "@id": `${folder}/export-elabftw.json`,
        "@type": "File",
        description: "JSON export",
        name: "export-elabftw.json",
        encodingFormat: "application/json",
        contentSize: String(json.length),
        sha256: sha(json),
      },
      {
        "@id": `${folder}/example.png`,
        "@type": "File",
        description: "",
        name: "example.png",
        alternateName: "6b/6bef.png",
        contentSize: png.length,
        sha256: sha(png),
      },
      {
        "@id": folder,
        "@type": "Dataset",
        author: { "@id": person },
        dateCreated: "2023-09-28T03:44:54+02:00",
        dateModified: "2023-10-02T14:51:49+02:00",
        identifier: "20230928-b6db898e231dbc2234227d19656d7e19a77654b7",
        comment: [],
        keywords: ["demo", "test"],
        name: "Testing the eLabFTW lab notebook",
        text: "<h1>Goal</h1>\n<p>Test the software.</p>",
        url: "https://elab.local:3148/experiments.php?mode=view&id=264",
        hasPart: [{ "@id": `${folder}/export-elabftw.json` }, { "@id": `${folder}/example.png` }],
        mentions: [{ "@id": "https://elab.local:3148/database.php?mode=view&id=51" }],
      },
      { "@id": "./", "@type": ["Dataset"], hasPart: [{ "@id": folder }] },
      { "@id": person, "@type": "Person", familyName: "Le sysadmin", givenName: "Toto" },
    ];
    const root = "2025-03-03-export";
    const { lab, result, file } = await importCrate(
      dir,
      "elabftw",
      crate(root, graph, {
        [`${folder.slice(2)}/export-elabftw.json`]: json,
        [`${folder.slice(2)}/example.png`]: png,
      }),
    );
    assert.equal(result.publisher, "eLabFTW");
    assert.equal(result.experiments.length, 1);
    assert.deepEqual(result.skipped, []);
    const experiment = await lab.getExperiment(result.experiments[0].id);
    assert.equal(experiment.title, "Testing the eLabFTW lab notebook");
    assert.equal(experiment.purpose, "<h1>Goal</h1>\n<p>Test the software.</p>");
    assert.deepEqual(experiment.tags, ["demo", "test"]);
    assert.equal(experiment.status, "draft");
    assert.deepEqual(experiment.source, {
      format: "eln",
      fileSha256: sha(await Deno.readFile(file)),
      publisher: "eLabFTW",
      originalId: folder,
      authors: ["Toto Le sysadmin"],
      dateCreated: "2023-09-28T03:44:54+02:00",
      dateModified: "2023-10-02T14:51:49+02:00",
    });
    assert.deepEqual(await attachmentsOf(lab, experiment.id), [
      "example.png",
      "export-elabftw.json",
    ]);
    const events = (await lab.listAudit({ action: "eln.imported" })).items;
    assert.equal(events.length, 1);
    assert.equal(events[0].target.id, experiment.id);
  });
});

// examples/kadi4mat/README.md, "collections-example.eln": sdPublisher by reference to an
// Organization, ids with a trailing slash, keywords as one comma-separated string, files in a
// "files/" subfolder with no sha256, a CSV among them.
Deno.test("eln import: Kadi4Mat dialect (CSV becomes a table)", async () => {
  await inTemp(async (dir) => {
    const csv = "x,y\n1,2\n3,4\n";
    const graph = [
      {
        "@id": "ro-crate-metadata.json",
        "@type": "CreativeWork",
        about: { "@id": "./" },
        conformsTo: RO,
        dateCreated: "2023-12-18T08:21:19.471161+00:00",
        sdPublisher: { "@id": "https://kadi.iam.kit.edu" },
        version: "1.0",
      },
      { "@id": "./", "@type": ["Dataset"], hasPart: [{ "@id": "./generated-files/" }] },
      {
        "@id": "https://kadi.iam.kit.edu",
        "@type": "Organization",
        name: "Kadi4Mat",
        url: "https://kadi.iam.kit.edu",
      },
      {
        "@id": "https://orcid.org/0000-0002-3495-9100",
        "@type": "Person",
        name: "Manideep Jayavarapu",
      },
      {
        "@id": "./generated-files/",
        "@type": "Dataset",
        author: { "@id": "https://orcid.org/0000-0002-3495-9100" },
        dateCreated: "2022-06-01T08:24:03.115590+00:00",
        hasPart: [
          { "@id": "./generated-files/generated-files.json" },
          { "@id": "./generated-files/files/Test_experiment.csv" },
        ],
        identifier: "generated-files",
        keywords: "measurements, high resolution",
        name: "Generated files during experiment",
        text: "",
      },
      {
        "@id": "./generated-files/generated-files.json",
        "@type": "File",
        contentSize: "2",
        encodingFormat: "application/json",
        name: "generated-files.json",
      },
      {
        "@id": "./generated-files/files/Test_experiment.csv",
        "@type": "File",
        contentSize: String(csv.length),
        encodingFormat: "text/csv",
        name: "Test_experiment.csv",
      },
    ];
    const { lab, result } = await importCrate(
      dir,
      "kadi",
      crate("kadi", graph, {
        "generated-files/generated-files.json": "{}",
        "generated-files/files/Test_experiment.csv": csv,
      }),
    );
    assert.equal(result.publisher, "Kadi4Mat");
    const experiment = await lab.getExperiment(result.experiments[0].id);
    assert.deepEqual(experiment.tags, ["measurements", "high-resolution"]);
    assert.deepEqual(experiment.source?.authors, ["Manideep Jayavarapu"]);
    assert.equal(experiment.datasetIds.length, 1);
    const dataset = await lab.getDataset(experiment.datasetIds[0]);
    assert.deepEqual(dataset.table?.values, [[1, 3], [2, 4]]);
    assert.equal(dataset.source?.eln?.originalId, "./generated-files/files/Test_experiment.csv");
    assert.deepEqual(await attachmentsOf(lab, experiment.id), [
      "Test_experiment.csv",
      "generated-files.json",
    ]);
  });
});

// examples/RSpace/README.md: the root first with "@type" a string, sdPublisher "#RSpace",
// datasets with no name (title from the path), keywords "'exampleExperimentTag'", a nested
// link Dataset, extra top-level files (schemas) and a "./resources" folder with a description only.
Deno.test("eln import: RSpace dialect (no names, extra top-level files)", async () => {
  await inTemp(async (dir) => {
    const xml = "<doc/>";
    const graph = [
      {
        name: "user user_2023-12-07_12:40:13",
        "@id": "./",
        "@type": "Dataset",
        hasPart: [
          { "@id": "./resources" },
          { "@id": "./schemas/formSchema.xsd" },
          { "@id": "./doc_Editable2-32" },
          { "@id": "./doc_Experiment-1-25" },
        ],
      },
      {
        about: { "@id": "./" },
        conformsTo: RO,
        sdPublisher: { "@id": "#RSpace" },
        "@id": "ro-crate-metadata.json",
        "@type": "CreativeWork",
      },
      {
        description: "Common resources shared among exported data",
        "@id": "./resources",
        "@type": "Dataset",
      },
      {
        encodingFormat: "application/xml",
        sha256: sha(xml),
        "@id": "./schemas/formSchema.xsd",
        "@type": "File",
      },
      {
        identifier: "./doc_Experiment-1-25",
        "@id": "./doc_Editable2-32/doc_Experiment-1-25",
        "@type": "Dataset",
      },
      {
        encodingFormat: "application/xml",
        sha256: sha(xml),
        dateCreated: "05:12:23:11:26:12",
        "@id": "./doc_Editable2-32/doc_Editable2-32.xml",
        "@type": "File",
      },
      {
        "@id": "./doc_Editable2-32",
        "@type": "Dataset",
        keywords: "",
        hasPart: [
          { "@id": "./doc_Editable2-32/doc_Experiment-1-25" },
          { "@id": "./doc_Editable2-32/doc_Editable2-32.xml" },
        ],
      },
      {
        sha256: sha(xml),
        encodingFormat: "application/xml",
        "@id": "./doc_Experiment-1-25/doc_Experiment-1-25.xml",
        "@type": "File",
      },
      {
        "@id": "./doc_Experiment-1-25",
        "@type": "Dataset",
        keywords: "'exampleExperimentTag'",
        hasPart: [{ "@id": "./doc_Experiment-1-25/doc_Experiment-1-25.xml" }],
      },
      { name: "RSpace", "@id": "#RSpace", "@type": "Organization" },
    ];
    const { lab, result } = await importCrate(
      dir,
      "rspace",
      crate("RSpace-2023-12-07", graph, {
        "schemas/formSchema.xsd": xml,
        "doc_Editable2-32/doc_Editable2-32.xml": xml,
        "doc_Experiment-1-25/doc_Experiment-1-25.xml": xml,
      }),
    );
    assert.equal(result.publisher, "RSpace");
    assert.deepEqual(result.experiments.map((e) => e.title), [
      "doc_Editable2-32",
      "doc_Experiment-1-25",
    ]);
    assert.deepEqual(result.skipped.map((s) => s.id), ["./resources", "./schemas/formSchema.xsd"]);
    const tagged = await lab.getExperiment(result.experiments[1].id);
    assert.deepEqual(tagged.tags, ["exampleExperimentTag"]);
    assert.deepEqual(await attachmentsOf(lab, tagged.id), ["doc_Experiment-1-25.xml"]);
  });
});

// examples/SampleDB/README.md, "sampledb_export.eln": sdPublisher {"@id": "SampleDB"}, authors
// as an array of references, nested version Datasets holding data.json and schema.json,
// keywords as a comma-separated string, PropertyValues in variableMeasured.
Deno.test("eln import: SampleDB dialect (nested datasets, same file names)", async () => {
  await inTemp(async (dir) => {
    const graph = [
      {
        "@type": "CreativeWork",
        "@id": "ro-crate-metadata.json",
        about: { "@id": "./" },
        conformsTo: RO,
        sdPublisher: { "@id": "SampleDB" },
        version: "1.0",
        dateCreated: "2024-08-20T07:55:48.764238",
      },
      { "@id": "./", "@type": ["Dataset"], hasPart: [{ "@id": "./objects/1" }] },
      { "@type": "Organization", "@id": "SampleDB", name: "SampleDB" },
      { "@id": "./users/2", "@type": "Person", name: "Henrike" },
      {
        "@id": "./objects/1",
        "@type": "Dataset",
        identifier: "1",
        name: "OMBE-1",
        description: "Object #1",
        author: [{ "@id": "./users/2" }],
        variableMeasured: [{
          value: 5.0,
          unitText: "Å",
          "@type": "PropertyValue",
          propertyID: "thickness",
          unitCode: "A11",
        }],
        hasPart: [
          { "@id": "./objects/1/version/0" },
          { "@id": "./objects/1/version/1" },
          { "@id": "./objects/1/files.json" },
        ],
        genre: "sample",
        keywords: "example_tag, other_tag, tag3",
      },
      ...[0, 1].flatMap((v) => [
        {
          "@id": `./objects/1/version/${v}`,
          "@type": "Dataset",
          name: "OMBE-1",
          hasPart: [{ "@id": `./objects/1/version/${v}/data.json` }],
        },
        {
          "@id": `./objects/1/version/${v}/data.json`,
          "@type": "File",
          name: "data.json",
          encodingFormat: "application/json",
          contentSize: 2,
          sha256: sha("{}"),
        },
      ]),
      {
        "@id": "./objects/1/files.json",
        "@type": "File",
        name: "files.json",
        encodingFormat: "application/json",
        contentSize: 2,
        sha256: sha("[]"),
      },
    ];
    const { lab, result } = await importCrate(
      dir,
      "sampledb",
      crate("sampledb_export", graph, {
        "objects/1/version/0/data.json": "{}",
        "objects/1/version/1/data.json": "{}",
        "objects/1/files.json": "[]",
      }),
    );
    assert.equal(result.publisher, "SampleDB");
    const experiment = await lab.getExperiment(result.experiments[0].id);
    assert.equal(experiment.title, "OMBE-1");
    assert.equal(experiment.purpose, "Object #1");
    assert.deepEqual(experiment.tags, ["example_tag", "other_tag", "tag3"]);
    assert.deepEqual(experiment.source?.authors, ["Henrike"]);
    assert.deepEqual(await attachmentsOf(lab, experiment.id), [
      "data (2).json",
      "data.json",
      "files.json",
    ]);
  });
});

// examples/PASTA/README.md, "PASTA.eln": one project Dataset with nested task Datasets,
// encodingFormat "text/markdown" on every file (a CSV too), a remote file whose @id is a URL,
// sdPublisher {"@id": "PASTA-ELN"}, keywords "TODO".
Deno.test("eln import: PASTA dialect (nested tasks, remote file, CSV typed as markdown)", async () => {
  await inTemp(async (dir) => {
    const csv = "time [s],y [m]\n0,0.5\n1,0.9996\n";
    const remote = "https:/upload.wikimedia.org/wikipedia/commons/thumb/a/a4/Misc_pollen.jpg";
    const graph = [
      {
        "@id": "ro-crate-metadata.json",
        "@type": "CreativeWork",
        about: { "@id": "./" },
        conformsTo: RO,
        version: "1.0",
        additionalType: "https://purl.archive.org/purl/elnconsortium/eln-spec/1.1",
        dateCreated: "2024-11-18T12:01:17.749988",
        sdPublisher: { "@id": "PASTA-ELN" },
      },
      { "@id": "PASTA-ELN", "@type": "Organization", name: "PASTA ELN" },
      {
        "@id": "./",
        "@type": "Dataset",
        hasPart: [{ "@id": "./PastasExampleProject/" }],
        name: "Exported from PASTA ELN",
      },
      {
        "@id": "./PastasExampleProject/",
        "@type": "Dataset",
        name: "PASTAs Example Project",
        description: "Example project",
        keywords: "TODO",
        hasPart: [
          { "@id": "./PastasExampleProject/000_ThisIsAnExampleTask/" },
          { "@id": "./PastasExampleProject/002_DataFiles/" },
        ],
      },
      {
        encodingFormat: "text/markdown",
        name: "This is an example task",
        genre: "folder",
        description: "This is hard!",
        keywords: "TODO",
        "@id": "./PastasExampleProject/000_ThisIsAnExampleTask/",
        "@type": "Dataset",
      },
      {
        encodingFormat: "text/markdown",
        name: "simple.csv",
        "@id": "./PastasExampleProject/002_DataFiles/simple.csv",
        contentSize: String(csv.length),
        sha256: sha(csv),
        "@type": "File",
      },
      {
        encodingFormat: "text/markdown",
        name: "https://upload.wikimedia.org/wikipedia/commons/thumb/a/a4/Misc_pollen.jpg",
        "@id": remote,
        "@type": "File",
      },
      {
        name: "Data files",
        genre: "folder",
        hasPart: [
          { "@id": "./PastasExampleProject/002_DataFiles/simple.csv" },
          { "@id": remote },
        ],
        "@id": "./PastasExampleProject/002_DataFiles/",
        "@type": "Dataset",
      },
    ];
    const { lab, result } = await importCrate(
      dir,
      "pasta",
      crate("PASTA", graph, { "PastasExampleProject/002_DataFiles/simple.csv": csv }),
    );
    assert.equal(result.publisher, "PASTA ELN");
    assert.deepEqual(result.experiments.map((e) => e.title), ["PASTAs Example Project"]);
    assert.deepEqual(result.skipped, [{
      id: remote,
      reason: "a remote file (its @id is a URL), not in the archive",
    }]);
    const experiment = await lab.getExperiment(result.experiments[0].id);
    const dataset = await lab.getDataset(experiment.datasetIds[0]);
    assert.deepEqual(
      dataset.table?.columns.map((c) => [c.name, c.unit]),
      [["time", "s"], ["y", "m"]],
    );
  });
});

// examples/datalab/README.md: the root with "description": null, sdPublisher {"@id": "test"}
// that the graph does not describe, a Dataset with an empty name (title from its identifier),
// one without hasPart, and a hasPart file the graph does not describe.
Deno.test("eln import: datalab dialect (undescribed parts, empty names)", async () => {
  await inTemp(async (dir) => {
    const graph = [
      {
        "@id": "ro-crate-metadata.json",
        "@type": "CreativeWork",
        about: { "@id": "./" },
        conformsTo: RO,
        dateCreated: "2025-10-17T12:05:20.277529+00:00",
        sdPublisher: { "@id": "test" },
      },
      {
        "@id": "./",
        "@type": "Dataset",
        name: "Copper ferric oxide samples",
        description: null,
        hasPart: [{ "@id": "./KD4-1/" }, { "@id": "./FeSn_19_e2_c2_Cu_HV/" }],
      },
      {
        "@id": "./KD4-1/",
        "@type": "Dataset",
        name: "Copper iron oxide with impurities",
        identifier: "KD4-1",
        dateCreated: "2024-10-19T16:31:00",
      },
      {
        "@id": "./FeSn_19_e2_c2_Cu_HV/",
        "@type": "Dataset",
        name: "",
        identifier: "FeSn_19_e2_c2_Cu_HV",
        dateCreated: "2025-04-03T17:56:00",
        hasPart: [
          { "@id": "./FeSn_19_e2_c2_Cu_HV/250021-5-6-2818580548.ndax" },
          { "@id": "./FeSn_19_e2_c2_Cu_HV/gone.txt" },
        ],
      },
    ];
    const { lab, result, file } = await importCrate(
      dir,
      "datalab",
      crate("demo", graph, { "FeSn_19_e2_c2_Cu_HV/250021-5-6-2818580548.ndax": "raw" }),
    );
    assert.equal(result.publisher, "test");
    assert.deepEqual(result.experiments.map((e) => [e.title, e.attachments]), [
      ["Copper iron oxide with impurities", 0],
      ["FeSn_19_e2_c2_Cu_HV", 1],
    ]);
    assert.deepEqual(result.skipped, [{
      id: "./FeSn_19_e2_c2_Cu_HV/gone.txt",
      reason: "listed in hasPart but neither described nor in the archive",
    }]);
    const [, second] = result.experiments;
    assert.deepEqual(await attachmentsOf(lab, second.id), ["250021-5-6-2818580548.ndax"]);
    const check = await checkEln(file);
    assert.ok(check.failures.some((f) => f.includes('has no "version"')));
  });
});

Deno.test("eln import: generic dialects (@type arrays, ids without ./, URL ids, absent files, unknown statuses)", async () => {
  await inTemp(async (dir) => {
    const graph = [
      {
        "@id": "./",
        "@type": ["Dataset", "RepositoryCollection"],
        hasPart: ["a", { "@id": "https://x.org/exp/9" }],
      },
      {
        "@id": "ro-crate-metadata.json",
        "@type": ["CreativeWork"],
        about: "./",
        conformsTo: { "@id": "https://w3id.org/ro/crate/1.2" },
        sdPublisher: "Some ELN",
        version: "1.0",
      },
      {
        "@id": "a/",
        "@type": ["Dataset", "LabProtocol"],
        name: "Relative ids",
        creativeWorkStatus: "Done",
        keywords: [{ "@value": "tag one" }, "two"],
        hasPart: ["a/x.txt", "a/missing.txt"],
      },
      { "@id": "a/x.txt", "@type": ["File", "TextDigitalDocument"], name: "x.txt" },
      { "@id": "a/missing.txt", "@type": "File", name: "missing.txt" },
      { "@id": "b/orphan.txt", "@type": "File", name: "orphan.txt" },
      {
        "@id": "https://x.org/exp/9",
        "@type": "Dataset",
        name: "A remote experiment",
        creativeWorkStatus: "completed",
      },
    ];
    const { lab, result } = await importCrate(
      dir,
      "generic",
      crate("generic", graph, {
        "a/x.txt": "x",
        "b/orphan.txt": "o",
        "extra.txt": "not described",
      }),
    );
    assert.equal(result.publisher, "Some ELN");
    assert.deepEqual(result.experiments.map((e) => [e.title, e.status, e.attachments]), [
      ["Relative ids", "draft", 1],
      ["A remote experiment", "completed", 0],
    ]);
    const first = await lab.getExperiment(result.experiments[0].id);
    assert.deepEqual(first.legacy, { creativeWorkStatus: "Done" });
    assert.deepEqual(first.tags, ["tag-one", "two"]);
    assert.deepEqual(result.skipped, [
      { id: "a/missing.txt", reason: "listed in the metadata but absent from the archive" },
      { id: "b/orphan.txt", reason: "a file outside any experiment" },
      { id: "extra.txt", reason: "in the archive but not described in the metadata" },
    ]);
  });
});
