/**
 * The code under test: what a user's application might do with B2. It takes the client as a
 * parameter, so a test can hand it one pointed at a mock or at the local server.
 */
import type { Awaiting } from "b2kit";

/** The B2 name of one day's report. */
export const reportName = (day: string): string => `reports/${day}.txt`;

/** Uploads the day's report as text; returns the new file's id. */
export async function archiveReport(b2: Awaiting, bucketId: string, day: string, text: string): Promise<string> {
  const [file] = await b2.bucket(bucketId).upload(
    { fileName: reportName(day), contentType: "text/plain", fileInfo: { "report-day": day } },
    new TextEncoder().encode(text),
  );
  return file.fileId as string;
}

/** Reads a day's report back by name. */
export async function readReport(b2: Awaiting, bucketName: string, day: string): Promise<string> {
  return new TextDecoder().decode(await b2.downloadByName(bucketName, reportName(day)));
}
