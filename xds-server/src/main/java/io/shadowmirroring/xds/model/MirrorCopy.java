package io.shadowmirroring.xds.model;

/** A copy of the eligible requests sent to {@code cluster}, for {@code millionths} of them. */
public record MirrorCopy(ClusterRef cluster, int millionths) {}
