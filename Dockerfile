# Multi-stage build: a static-enough binary on a distroless base, run as non-root.
# (Checked by reading only: no Docker engine runs on the project's CI machines.)
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked && strip target/release/netgauge

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/netgauge /usr/local/bin/netgauge
COPY examples/netgauge.yml /etc/netgauge/netgauge.yml
EXPOSE 9742
USER nonroot
ENTRYPOINT ["/usr/local/bin/netgauge"]
CMD ["--config.file=/etc/netgauge/netgauge.yml", "--web.listen-address=:9742"]
