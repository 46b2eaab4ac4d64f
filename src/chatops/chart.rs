//! Traffic charts as PNG, drawn in-process: no browser, no Grafana image
//! renderer, no system fonts (the font is embedded: DejaVu Sans, its
//! license beside it in `assets/fonts/`).

use std::sync::OnceLock;

use plotters::prelude::*;

use super::format;

pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 500;
const FONT: &str = "netgauge-sans";

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the embedded font does not load")]
    Font,
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

/// One line of the chart: its legend and (Unix time, value) points.
pub struct Line<'a> {
    pub label: &'a str,
    pub points: &'a [(f64, f64)],
    pub color: RGBColor,
}

pub const RECEIVE: RGBColor = RGBColor(31, 119, 180);
pub const TRANSMIT: RGBColor = RGBColor(44, 160, 44);

fn font() -> Result<(), ChartError> {
    static LOADED: OnceLock<bool> = OnceLock::new();
    let ok = *LOADED.get_or_init(|| {
        plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        )
        .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Font)
    }
}

/// Renders `lines` of bits per second from `start` to `end` (Unix
/// seconds) as a `WIDTH`×`HEIGHT` PNG titled `title`.
pub fn bits_per_second(title: &str, lines: &[Line<'_>], start: f64, end: f64) -> Result<Vec<u8>, ChartError> {
    font()?;
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    let draw = |e: &dyn std::fmt::Display| ChartError::Draw(e.to_string());
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw(&e))?;
        let top = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max);
        // Some headroom, and a visible axis when everything is zero.
        let top = if top > 0.0 { top * 1.1 } else { 1000.0 };
        let span = (end - start).max(1.0);
        let axis = TimeAxis::new(start, end);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(96)
            .build_cartesian_2d(axis.at(start)..axis.at(end), 0.0..top)
            .map_err(|e| draw(&e))?;
        chart
            .configure_mesh()
            .label_style((FONT, 14))
            .x_labels(10)
            .y_labels(6)
            .x_label_formatter(&|x| time_label(axis.time(*x), span))
            .y_label_formatter(&|v| format::bits_per_second(*v))
            .y_desc("bit/s")
            .x_desc("UTC")
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(|e| draw(&e))?;
        for line in lines {
            let color = line.color;
            chart
                .draw_series(LineSeries::new(
                    line.points
                        .iter()
                        .filter(|p| p.1.is_finite())
                        .map(|&(t, v)| (axis.at(t), v)),
                    color.stroke_width(2),
                ))
                .map_err(|e| draw(&e))?
                .label(line.label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3)));
        }
        chart
            .configure_series_labels()
            .label_font((FONT, 14))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| draw(&e))?;
        root.present().map_err(|e| draw(&e))?;
    }
    encode(&pixels)
}

/// The time axis in units of a round step (1, 2, 5… minutes, hours, a
/// day…) counted from a round UTC time, so that the whole numbers the
/// chart library puts its ticks on are round times.
#[derive(Clone, Copy)]
struct TimeAxis {
    origin: f64,
    step: f64,
}

impl TimeAxis {
    fn new(start: f64, end: f64) -> TimeAxis {
        const STEPS: [f64; 14] = [
            60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0, 172_800.0,
            604_800.0,
        ];
        let span = (end - start).max(1.0);
        let step = STEPS.iter().copied().find(|s| span / s <= 8.0).unwrap_or(span / 8.0);
        TimeAxis {
            origin: (start / step).floor() * step,
            step,
        }
    }

    /// Unix time → axis position.
    fn at(self, t: f64) -> f64 {
        (t - self.origin) / self.step
    }

    /// Axis position → Unix time.
    fn time(self, x: f64) -> f64 {
        self.origin + x * self.step
    }
}

/// `17:30` within a day, `12-06 17:30` across days.
fn time_label(t: f64, span: f64) -> String {
    let Some(at) = std::time::Duration::try_from_secs_f64(t.max(0.0))
        .ok()
        .and_then(|d| std::time::UNIX_EPOCH.checked_add(d))
    else {
        return String::new();
    };
    let s = humantime::format_rfc3339_seconds(at).to_string();
    if span <= 86_400.0 {
        s[11..16].to_owned()
    } else {
        format!("{} {}", &s[5..10], &s[11..16])
    }
}

fn encode(rgb: &[u8]) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| ChartError::Encode(e.to_string()))?;
    writer
        .write_image_data(rgb)
        .map_err(|e| ChartError::Encode(e.to_string()))?;
    writer.finish().map_err(|e| ChartError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_png_of_the_stated_size_with_something_drawn() {
        let rx: Vec<(f64, f64)> = (0..100)
            .map(|i| (1_796_000_000.0 + f64::from(i) * 60.0, f64::from(i) * 1e6))
            .collect();
        let tx: Vec<(f64, f64)> = rx.iter().map(|(t, v)| (*t, v / 2.0)).collect();
        let png = bits_per_second(
            "core-sw1 Gi0/1",
            &[
                Line {
                    label: "receive",
                    points: &rx,
                    color: RECEIVE,
                },
                Line {
                    label: "transmit",
                    points: &tx,
                    color: TRANSMIT,
                },
            ],
            1_796_000_000.0,
            1_796_006_000.0,
        )
        .unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        let pixels = &buf[..info.buffer_size()];
        // The receive line's colour is drawn, and so is text (black).
        let has = |c: RGBColor| pixels.chunks(3).any(|p| p == [c.0, c.1, c.2]);
        assert!(has(RECEIVE) && has(TRANSMIT) && has(BLACK));
    }

    #[test]
    fn whole_axis_units_are_round_utc_times() {
        let end = 1_796_572_800.0 + 1234.0;
        let day = TimeAxis::new(end - 86_400.0, end);
        assert_eq!(day.step, 10_800.0, "a day: every 3 h");
        for x in 0..9 {
            assert_eq!(day.time(f64::from(x)) % 10_800.0, 0.0);
        }
        assert!((day.at(end) - day.at(end - 86_400.0) - 8.0).abs() < 1e-9);
        let ten_minutes = TimeAxis::new(end - 600.0, end);
        assert_eq!(ten_minutes.step, 120.0);
        assert_eq!(ten_minutes.time(3.0) % 120.0, 0.0);
    }

    #[test]
    fn an_empty_chart_still_renders() {
        assert!(bits_per_second("nothing", &[], 0.0, 3600.0).is_ok());
    }
}
