import { describe, expect, it } from "vitest";
import { parseWebContentType } from "./content-type.js";

describe("parseWebContentType", () => {
  it.each([
    ["application/grpc-web", false, "application/grpc-web"],
    ["application/grpc-web+proto", false, "application/grpc-web+proto"],
    ["application/grpc-web-text", true, "application/grpc-web-text"],
    ["application/grpc-web-text+proto", true, "application/grpc-web-text+proto"],
    ["Application/GRPC-Web+Proto; charset=utf-8", false, "application/grpc-web+proto"],
  ])("accepts %s and echoes it", (contentType, text, response) => {
    expect(parseWebContentType(contentType)).toEqual({
      kind: "web",
      requestText: text,
      responseText: text,
      responseContentType: response,
    });
  });

  it("answers in text when a binary request's Accept asks for grpc-web-text", () => {
    expect(parseWebContentType("application/grpc-web+proto", "application/json, application/grpc-web-text")).toEqual({
      kind: "web",
      requestText: false,
      responseText: true,
      responseContentType: "application/grpc-web-text+proto",
    });
    expect(parseWebContentType("application/grpc-web", "*/*")).toMatchObject({ responseText: false });
  });

  it.each(["json", "thrift"])("refuses the %s codec with a reason naming it", (codec) => {
    const result = parseWebContentType(`application/grpc-web+${codec}`);
    expect(result.kind).toBe("unsupported");
    expect(result).toHaveProperty("reason", expect.stringContaining(`the ${codec} codec`));
    expect(parseWebContentType(`application/grpc-web-text+${codec}`).kind).toBe("unsupported");
  });

  it.each([undefined, "application/grpc", "application/grpc+proto", "text/plain", "application/grpc-webx", ""])(
    "leaves %s to others",
    (contentType) => {
      expect(parseWebContentType(contentType)).toEqual({ kind: "other" });
    },
  );
});
