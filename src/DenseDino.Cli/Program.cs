using DenseDino.Cli;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("densedino");
    config.AddCommand<PretrainCommand>("pretrain").WithDescription("DenseDINO self-supervised pretraining of a ViT on a folder of images.");
});
return app.Run(args);
