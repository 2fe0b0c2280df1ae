pub async fn run(_ctx: &super::Ctx) -> anyhow::Result<std::process::ExitCode> { todo!() }
