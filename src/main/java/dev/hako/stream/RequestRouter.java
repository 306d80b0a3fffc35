package dev.hako.stream;

import dev.hako.log.Log;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one HTTP request of a connection: finds the token's request, enforces the session limit and hands the
 * connection to the SPDY or WebSocket protocol. The token is consumed only once the upgrade can go ahead.
 */
final class RequestRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Log LOG = Log.of("stream");

    private final TokenStore tokens;
    private final StreamServer.SessionLimits limits;
    private final StreamBackend backend;

    RequestRouter(TokenStore tokens, StreamServer.SessionLimits limits, StreamBackend backend) {
        this.tokens = tokens;
        this.limits = limits;
        this.backend = backend;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            respond(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request");
            return;
        }
        String[] parts = new QueryStringDecoder(req.uri()).path().split("/");
        if (parts.length != 3 || !parts[0].isEmpty() || !List.of("exec", "attach", "portforward").contains(parts[1])) {
            respond(ctx, HttpResponseStatus.NOT_FOUND, "not found");
            return;
        }
        String token = parts[2];
        StreamRequest request = tokens.peek(token);
        if (request == null || !request.kind().equals(parts[1])) {
            respond(ctx, HttpResponseStatus.NOT_FOUND, "unknown, used or expired streaming session");
            return;
        }
        boolean portForward = request instanceof StreamRequest.PortForward;
        ProtocolUpgrade upgrade = WebSocketUpgrade.isWebSocket(req)
                ? WebSocketUpgrade.negotiate(req, portForward)
                : SpdyUpgrade.negotiate(req, portForward);
        if (upgrade.rejection() != null) {
            respond(ctx, upgrade.rejection().status(), upgrade.rejection().message(), upgrade.rejection().acceptedVersions());
            return;
        }
        if (!limits.slots().tryAcquire()) {
            LOG.warn("streaming session refused: limit reached", "max_sessions", limits.max());
            respond(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "too many streaming sessions (max_sessions = " + limits.max() + "), try again later");
            return;
        }
        if (tokens.take(token) == null) {
            limits.slots().release();
            respond(ctx, HttpResponseStatus.NOT_FOUND, "unknown, used or expired streaming session");
            return;
        }
        ctx.channel().closeFuture().addListener(f -> limits.slots().release());
        LOG.debug("streaming session starting", "kind", request.kind(), "protocol", upgrade.protocol(),
                "remote", String.valueOf(ctx.channel().remoteAddress()));
        upgrade.start(ctx, req, request, backend);
    }

    static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        respond(ctx, status, message, null);
    }

    static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String message, String acceptedVersions) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
        resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (acceptedVersions != null) {
            resp.headers().set(SpdyUpgrade.ACCEPTED_VERSIONS_HEADER, acceptedVersions);
        }
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("stream connection error", "error", String.valueOf(cause.getMessage()));
        ctx.close();
    }
}
