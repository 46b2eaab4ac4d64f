# netgauge container image: built in a Rust image, run from distroless as a
# non-root user. Build: docker build -t netgauge .
# Run:   docker run -p 9742:9742 -v $PWD/netgauge.yml:/etc/netgauge/netgauge.yml:ro netgauge

FROM rust:1.89-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits do not rebuild them.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY src ./src
# The font /graph draws its charts with (embedded in the binary).
COPY assets ./assets
ARG NETGAUGE_GIT_REVISION=unknown
ENV NETGAUGE_GIT_REVISION=${NETGAUGE_GIT_REVISION}
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && strip target/release/netgauge

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/netgauge /usr/local/bin/netgauge
COPY examples/netgauge-container.yml /etc/netgauge/netgauge.yml
# 65532 is distroless's "nonroot" user, numeric so Kubernetes runAsNonRoot can check it.
USER 65532:65532
EXPOSE 9742
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/netgauge", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/netgauge"]
CMD ["--config.file=/etc/netgauge/netgauge.yml", "--web.listen-address=:9742"]
