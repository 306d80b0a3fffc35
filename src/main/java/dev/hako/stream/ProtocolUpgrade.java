package dev.hako.stream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/** The outcome of protocol negotiation: either a way to take over the connection or a refusal. */
record ProtocolUpgrade(String protocol, Starter starter, Rejection rejection) {
    interface Starter {
        void start(ChannelHandlerContext ctx, FullHttpRequest req, StreamRequest request, StreamBackend backend);
    }

    record Rejection(HttpResponseStatus status, String message, String acceptedVersions) {}

    static ProtocolUpgrade accept(String protocol, Starter starter) {
        return new ProtocolUpgrade(protocol, starter, null);
    }

    static ProtocolUpgrade reject(HttpResponseStatus status, String message, String acceptedVersions) {
        return new ProtocolUpgrade(null, null, new Rejection(status, message, acceptedVersions));
    }

    void start(ChannelHandlerContext ctx, FullHttpRequest req, StreamRequest request, StreamBackend backend) {
        starter.start(ctx, req, request, backend);
    }
}
