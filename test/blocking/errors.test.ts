import { afterAll, describe, expect, it } from "vitest";
import {
  B2Error,
  BadRequest,
  NotFound,
  RequestAttemptsFailed,
  ServiceUnavailable,
  ValidationError,
} from "../../src/errors.js";
import { decodeThrown, encodeThrown } from "../../src/blocking/error-codec.js";
import { client, fakeBridge, thrown } from "./helpers.js";

describe("errors crossing the Blocking bridge", () => {
  const core = fakeBridge();
  afterAll(() => core.close());

  it("keep class, status, code, message, operation, retryAfter and the cause chain", () => {
    const e = thrown(() => core.run("notFound", client(), []));
    expect(e).toBeInstanceOf(NotFound);
    expect(e).toBeInstanceOf(B2Error);
    const nf = e as NotFound;
    expect(nf.name).toBe("NotFound");
    expect([nf.status, nf.code, nf.message, nf.operation]).toEqual([
      404,
      "not_found",
      "no such bucket",
      "b2_get_file_info",
    ]);
    expect(nf.stack).toContain("fake-core.ts"); // the worker-side frames are kept

    const attempts = nf.cause as RequestAttemptsFailed;
    expect(attempts).toBeInstanceOf(RequestAttemptsFailed);
    expect([attempts.status, attempts.code, attempts.operation]).toEqual([
      503,
      "service_unavailable",
      "b2_list_buckets",
    ]);

    const last = attempts.cause as ServiceUnavailable;
    expect(last).toBeInstanceOf(ServiceUnavailable);
    expect(last.retryAfter).toBe(7);

    const root = last.cause as Error;
    expect(root).toBeInstanceOf(TypeError);
    expect(root.message).toBe("fetch failed");
    expect("cause" in root).toBe(false);
  });

  it("rebuild subclasses with other constructors (ValidationError) exactly", () => {
    const e = thrown(() => core.run("validation", client(), [])) as ValidationError;
    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toBeInstanceOf(BadRequest);
    expect([e.status, e.code, e.message, e.operation]).toEqual([
      400,
      "invalid_input",
      "file name too long",
      "b2_upload_file",
    ]);
  });

  it("keep builtin classes, Node error fields and custom names of non-B2 errors", () => {
    const te = thrown(() => core.run("typeError", client(), [])) as Error;
    expect(te).toBeInstanceOf(TypeError);
    expect(te).not.toBeInstanceOf(B2Error);
    expect(te.message).toBe("bad thing");

    const se = thrown(() => core.run("systemError", client(), [])) as Error & Record<string, unknown>;
    expect(se.constructor).toBe(Error);
    expect([se["code"], se["errno"], se["syscall"]]).toEqual(["ECONNREFUSED", -111, "connect"]);

    const ae = thrown(() => core.run("customNamed", client(), [])) as Error;
    expect([ae.name, ae.message]).toEqual(["AbortError", "the operation was aborted"]);
  });

  it("pass non-Error thrown values through", () => {
    expect(thrown(() => core.run("throwString", client(), []))).toBe("just a string");
  });
});

describe("error codec", () => {
  it("maps an unknown B2Error subclass to B2Error with the same fields", () => {
    class Teapot extends B2Error {}
    const wire = structuredClone(
      encodeThrown(new Teapot({ status: 418, code: "teapot", message: "short and stout", operation: "b2_brew" })),
    );
    const back = decodeThrown(wire) as B2Error;
    expect(back.constructor).toBe(B2Error);
    expect([back.status, back.code, back.message, back.operation]).toEqual([
      418,
      "teapot",
      "short and stout",
      "b2_brew",
    ]);
  });

  it("keeps AggregateError members and drops uncloneable properties", () => {
    const agg = new AggregateError(
      [new NotFound({ status: 404, code: "not_found", message: "a" }), new RangeError("b")],
      "both",
    );
    (agg as unknown as Record<string, unknown>)["fn"] = () => 1;
    (agg as unknown as Record<string, unknown>)["n"] = 3;
    const back = decodeThrown(structuredClone(encodeThrown(agg))) as AggregateError & Record<string, unknown>;
    expect(back).toBeInstanceOf(AggregateError);
    expect(back.errors[0]).toBeInstanceOf(NotFound);
    expect(back.errors[1]).toBeInstanceOf(RangeError);
    expect(back["n"]).toBe(3);
    expect("fn" in back).toBe(false);
  });

  it("keeps a cause that is not an Error, including an explicit undefined cause", () => {
    const withObj = decodeThrown(structuredClone(encodeThrown(new Error("x", { cause: { why: 1 } })))) as Error;
    expect(withObj.cause).toEqual({ why: 1 });
    const withUndef = decodeThrown(structuredClone(encodeThrown(new Error("y", { cause: undefined })))) as Error;
    expect("cause" in withUndef).toBe(true);
    expect(withUndef.cause).toBeUndefined();
  });
});
