package io.shadowmirroring.xds.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;

/**
 * One resource, serialized once and shared by every profile and stream that serves it.
 *
 * @param hash the content hash, also the resource's version in Delta xDS
 * @param any the resource packed once, so a response copies bytes instead of serializing again
 */
public record PreparedResource(String name, String hash, Any any, Message message) {}
