using DenseDino.Cli;

using var stop = new StopSignal();
return CliApp.Run(args, stop.Token);
