/**
 * How AWS IoT Core counts each size limit it states in a unit: UTF-8 bytes for
 * topics, filters, user properties and the Content Type; characters (code
 * points) for a ShareName. One place, so a rule never counts in the wrong unit;
 * a deviation that counts differently replaces an entry (faults/gate-faults.ts).
 */
export interface Measures {
  /** A topic name or a filter against `topicMaxBytes` [TOPIC-MAX-256]: UTF-8 bytes. */
  topicSize(topic: string): number
  /** A ShareName against its 128 characters [SHARE-SYNTAX]: code points. */
  shareNameLength(name: string): number
  /** Whether `$share/{ShareName}/` counts against the 256 bytes of a shared filter [SHARE-SYNTAX]: no, only the TopicFilter. */
  readonly sharePrefixCounted: boolean
  /** Whether Basic Ingest's `$aws/rules/<rule>/` counts against a topic's 256 bytes and 7 slashes [TOPIC-MAX-256] [TOPIC-MAX-7-SLASHES]: no. */
  readonly basicIngestPrefixCounted: boolean
  /** One user property against the 8 KB quota [M5-USER-PROPERTIES]: the UTF-8 bytes of name and value plus their two length prefixes. */
  userPropertySize(name: string, value: string): number
  /** A Content Type against its quota [M5-PAYLOAD-FORMAT-CONTENT-TYPE]: UTF-8 bytes. */
  contentTypeSize(contentType: string): number
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8')

/** The units AWS IoT Core documents. */
export const AWS_MEASURES: Measures = {
  topicSize: utf8,
  shareNameLength: (name) => [...name].length,
  sharePrefixCounted: false,
  basicIngestPrefixCounted: false,
  userPropertySize: (name, value) => utf8(name) + utf8(value) + 4,
  contentTypeSize: utf8,
}
