//! `throughput.svg`: requests/s as grouped bars, one panel per pipeline depth, one bar per
//! server for each command. plotters' SVG backend only, so no system fonts or libraries
//! are needed (text is left to the SVG viewer).

use std::path::Path;

use plotters::prelude::*;

use crate::command::BenchCommand;
use crate::report::Results;

/// Bar colours, one per server in the order they were measured; Redis is measured first.
const COLOURS: [RGBColor; 6] = [
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// Writes the chart of `results` to `path`.
pub fn write_throughput_svg(results: &Results, path: &Path) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", path.display());
    let mut servers: Vec<&str> = Vec::new();
    let mut commands: Vec<BenchCommand> = Vec::new();
    let mut pipelines: Vec<u64> = Vec::new();
    for m in &results.measurements {
        if !servers.contains(&m.target.label.as_str()) {
            servers.push(&m.target.label);
        }
        if !commands.contains(&m.command) {
            commands.push(m.command);
        }
        if !pipelines.contains(&m.pipeline) {
            pipelines.push(m.pipeline);
        }
    }
    if pipelines.is_empty() {
        return Ok(());
    }
    let rps = |server: &str, command: BenchCommand, pipeline: u64| {
        results
            .measurements
            .iter()
            .find(|m| m.target.label == server && m.command == command && m.pipeline == pipeline)
            .and_then(|m| m.requests_per_sec())
    };
    let height = 420 * pipelines.len() as u32;
    let root = SVGBackend::new(path, (1200, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let panels = root.split_evenly((pipelines.len(), 1));
    let slot = 0.8 / servers.len().max(1) as f64;
    for (area, &pipeline) in panels.iter().zip(&pipelines) {
        let max = results
            .measurements
            .iter()
            .filter(|m| m.pipeline == pipeline)
            .filter_map(|m| m.requests_per_sec())
            .fold(1.0, f64::max);
        let label_of = |x: &f64| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            commands.get(i as usize).map_or_else(String::new, |c| c.name().to_string())
        };
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("requests/s, pipeline {pipeline}, {} clients (higher is better)", results.clients),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(80)
            // Headroom above the tallest bar for the legend.
            .build_cartesian_2d(-0.5f64..(commands.len() as f64 - 0.5), 0f64..max * 1.5)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(commands.len())
            .x_label_formatter(&label_of)
            .y_label_formatter(&|v| human(*v))
            .y_desc("requests/s")
            .draw()
            .map_err(|e| err(&e))?;
        for (j, server) in servers.iter().enumerate() {
            let colour = COLOURS[j % COLOURS.len()];
            let bars = commands.iter().enumerate().filter_map(|(i, &command)| {
                let value = rps(server, command, pipeline)?;
                let left = i as f64 - 0.4 + j as f64 * slot;
                Some(Rectangle::new([(left, 0.0), (left + slot * 0.9, value)], colour.filled()))
            });
            chart
                .draw_series(bars)
                .map_err(|e| err(&e))?
                .label(*server)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// `1.2M`, `350k`, `900`: axis labels that stay short.
fn human(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}
