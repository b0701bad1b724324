using DenseDino.Cli;

return CliApp.Run(args);
